import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ApiKeyRow, EnvironmentRow, ProjectRow, SessionRow, StoreTx, UserRow } from '../types.js';

/**
 * StoreTx on the committer's dedicated connection, inside the batch transaction (and the unit's
 * savepoint). Reads here see the batch's own uncommitted writes, like the SQLite writer does.
 */
export function createPostgresTx(client: () => pg.ClientBase): StoreTx {
  const q = (sql: string, params: unknown[]) => client().query(sql, params);
  const one = async <T>(sql: string, params: unknown[]): Promise<T | null> => ((await q(sql, params)).rows[0] as T | undefined) ?? null;

  return {
    async insertUser(u: UserRow) {
      await q('INSERT INTO users (id, email, name, password_hash, admin, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        u.id, u.email, u.name, u.passwordHash, u.admin, u.createdAt,
      ]);
    },
    async insertSession(r: SessionRow) {
      await q('INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)', [
        r.tokenHash, r.userId, r.createdAt, r.expiresAt, r.revokedAt,
      ]);
    },
    async revokeSession(tokenHash, at) {
      await q('UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL', [at, tokenHash]);
    },
    async insertProject(p: ProjectRow) {
      await q('INSERT INTO projects (id, slug, name, wrapped_key, created_at) VALUES ($1, $2, $3, $4, $5)', [
        p.id, p.slug, p.name, p.wrappedKey, p.createdAt,
      ]);
    },
    async insertEnvironment(e: EnvironmentRow) {
      await q('INSERT INTO environments (id, project_id, slug, name, created_at) VALUES ($1, $2, $3, $4, $5)', [
        e.id, e.projectId, e.slug, e.name, e.createdAt,
      ]);
    },
    async upsertMember(projectId, environmentId, userId, role) {
      const key = [projectId, environmentId ?? '', userId];
      const prev = await one<{ role: string }>(
        'SELECT role FROM members WHERE project_id = $1 AND environment_id = $2 AND user_id = $3 FOR UPDATE',
        key,
      );
      await q(
        `INSERT INTO members (project_id, environment_id, user_id, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, environment_id, user_id) DO UPDATE SET role = excluded.role`,
        [...key, role],
      );
      return prev?.role ?? null;
    },
    async deleteMember(projectId, environmentId, userId) {
      const r = await one<{ role: string }>(
        'DELETE FROM members WHERE project_id = $1 AND environment_id = $2 AND user_id = $3 RETURNING role',
        [projectId, environmentId ?? '', userId],
      );
      return r?.role ?? null;
    },
    async putSecret(environmentId, key, ciphertextFor, at, by) {
      // FOR UPDATE: a concurrent writer of the same key (another node) waits and then sees our version.
      const cur = await one<{ id: string; deleted: boolean }>(
        'SELECT id, deleted FROM secrets WHERE environment_id = $1 AND key = $2 FOR UPDATE',
        [environmentId, key],
      );
      if (!cur) {
        const id = randomUUID();
        await q('INSERT INTO secrets (id, environment_id, key, version, deleted, updated_at, updated_by) VALUES ($1, $2, $3, 1, FALSE, $4, $5)', [
          id, environmentId, key, at, by,
        ]);
        await q('INSERT INTO secret_versions (secret_id, version, ciphertext, created_at, created_by) VALUES ($1, 1, $2, $3, $4)', [
          id, ciphertextFor(1), at, by,
        ]);
        return { version: 1, created: true };
      }
      // Versions keep counting across a delete (the tombstone holds a number too).
      const max = await one<{ v: number | null }>('SELECT max(version) AS v FROM secret_versions WHERE secret_id = $1', [cur.id]);
      const version = (max?.v ?? 0) + 1;
      await q('INSERT INTO secret_versions (secret_id, version, ciphertext, created_at, created_by) VALUES ($1, $2, $3, $4, $5)', [
        cur.id, version, ciphertextFor(version), at, by,
      ]);
      await q('UPDATE secrets SET version = $1, deleted = FALSE, updated_at = $2, updated_by = $3 WHERE id = $4', [version, at, by, cur.id]);
      return { version, created: cur.deleted };
    },
    async deleteSecret(environmentId, key, at, by) {
      const cur = await one<{ id: string; version: number; deleted: boolean }>(
        'SELECT id, version, deleted FROM secrets WHERE environment_id = $1 AND key = $2 FOR UPDATE',
        [environmentId, key],
      );
      if (!cur || cur.deleted) return null;
      const max = await one<{ v: number | null }>('SELECT max(version) AS v FROM secret_versions WHERE secret_id = $1', [cur.id]);
      const tomb = (max?.v ?? 0) + 1;
      await q('INSERT INTO secret_versions (secret_id, version, ciphertext, created_at, created_by) VALUES ($1, $2, NULL, $3, $4)', [
        cur.id, tomb, at, by,
      ]);
      await q('UPDATE secrets SET version = $1, deleted = TRUE, updated_at = $2, updated_by = $3 WHERE id = $4', [tomb, at, by, cur.id]);
      return cur.version;
    },
    async insertApiKey(k: ApiKeyRow) {
      await q(
        `INSERT INTO api_keys (id, project_id, environment_id, name, role, secret_hash, wrapped_signing_key, created_at, created_by, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [k.id, k.projectId, k.environmentId, k.name, k.role, k.secretHash, k.wrappedSigningKey, k.createdAt, k.createdBy, k.revokedAt],
      );
    },
    async revokeApiKey(id, at) {
      const r = await q('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
      return (r.rowCount ?? 0) > 0;
    },
    async setSetting(key, value) {
      await q('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
  };
}
