import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ApiKeyRow, EnvironmentRow, ProjectRow, SessionRow, StoreTx, UserRow } from '../types.js';

/**
 * StoreTx on the SQLite writer connection. The statements are synchronous; the methods return
 * settled promises so the same interface serves PostgreSQL. Awaiting them yields only to microtasks,
 * never to another macrotask, so nothing else touches the writer while a batch is open.
 */
export function createSqliteTx(db: Database.Database): StoreTx {
  const s = {
    insertUser: db.prepare(
      'INSERT INTO users (id, email, name, password_hash, admin, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertSession: db.prepare(
      'INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?)',
    ),
    revokeSession: db.prepare('UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL'),
    insertProject: db.prepare('INSERT INTO projects (id, slug, name, wrapped_key, created_at) VALUES (?, ?, ?, ?, ?)'),
    insertEnvironment: db.prepare(
      'INSERT INTO environments (id, project_id, slug, name, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    getMember: db.prepare('SELECT role FROM members WHERE project_id = ? AND environment_id = ? AND user_id = ?'),
    upsertMember: db.prepare(
      `INSERT INTO members (project_id, environment_id, user_id, role) VALUES (?, ?, ?, ?)
       ON CONFLICT (project_id, environment_id, user_id) DO UPDATE SET role = excluded.role`,
    ),
    deleteMember: db.prepare('DELETE FROM members WHERE project_id = ? AND environment_id = ? AND user_id = ?'),
    getSecret: db.prepare('SELECT id, version, deleted FROM secrets WHERE environment_id = ? AND key = ?'),
    maxVersion: db.prepare('SELECT MAX(version) AS v FROM secret_versions WHERE secret_id = ?'),
    insertSecret: db.prepare(
      'INSERT INTO secrets (id, environment_id, key, version, deleted, updated_at, updated_by) VALUES (?, ?, ?, ?, 0, ?, ?)',
    ),
    updateSecret: db.prepare('UPDATE secrets SET version = ?, deleted = ?, updated_at = ?, updated_by = ? WHERE id = ?'),
    insertVersion: db.prepare(
      'INSERT INTO secret_versions (secret_id, version, ciphertext, created_at, created_by) VALUES (?, ?, ?, ?, ?)',
    ),
    insertApiKey: db.prepare(
      `INSERT INTO api_keys (id, project_id, environment_id, name, role, secret_hash, wrapped_signing_key, created_at, created_by, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    revokeApiKey: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    setSetting: db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
  const done = Promise.resolve();
  return {
    insertUser(u: UserRow) {
      s.insertUser.run(u.id, u.email, u.name, u.passwordHash, u.admin ? 1 : 0, u.createdAt);
      return done;
    },
    insertSession(r: SessionRow) {
      s.insertSession.run(r.tokenHash, r.userId, r.createdAt, r.expiresAt, r.revokedAt);
      return done;
    },
    revokeSession(tokenHash, at) {
      s.revokeSession.run(at, tokenHash);
      return done;
    },
    insertProject(p: ProjectRow) {
      s.insertProject.run(p.id, p.slug, p.name, p.wrappedKey, p.createdAt);
      return done;
    },
    insertEnvironment(e: EnvironmentRow) {
      s.insertEnvironment.run(e.id, e.projectId, e.slug, e.name, e.createdAt);
      return done;
    },
    async upsertMember(projectId, environmentId, userId, role) {
      const prev = s.getMember.get(projectId, environmentId ?? '', userId) as { role: string } | undefined;
      s.upsertMember.run(projectId, environmentId ?? '', userId, role);
      return prev?.role ?? null;
    },
    async deleteMember(projectId, environmentId, userId) {
      const prev = s.getMember.get(projectId, environmentId ?? '', userId) as { role: string } | undefined;
      if (!prev) return null;
      s.deleteMember.run(projectId, environmentId ?? '', userId);
      return prev.role;
    },
    async putSecret(environmentId, key, ciphertextFor, at, by) {
      const cur = s.getSecret.get(environmentId, key) as { id: string; version: number; deleted: number } | undefined;
      if (!cur) {
        const id = randomUUID();
        s.insertSecret.run(id, environmentId, key, 1, at, by);
        s.insertVersion.run(id, 1, ciphertextFor(1), at, by);
        return { version: 1, created: true };
      }
      // Versions keep counting across a delete (the tombstone holds a number too).
      const max = (s.maxVersion.get(cur.id) as { v: number | null }).v ?? 0;
      const version = max + 1;
      s.insertVersion.run(cur.id, version, ciphertextFor(version), at, by);
      s.updateSecret.run(version, 0, at, by, cur.id);
      return { version, created: cur.deleted === 1 };
    },
    async deleteSecret(environmentId, key, at, by) {
      const cur = s.getSecret.get(environmentId, key) as { id: string; version: number; deleted: number } | undefined;
      if (!cur || cur.deleted === 1) return null;
      const max = (s.maxVersion.get(cur.id) as { v: number | null }).v ?? 0;
      s.insertVersion.run(cur.id, max + 1, null, at, by);
      s.updateSecret.run(max + 1, 1, at, by, cur.id);
      return cur.version;
    },
    insertApiKey(k: ApiKeyRow) {
      s.insertApiKey.run(
        k.id, k.projectId, k.environmentId, k.name, k.role, k.secretHash, k.wrappedSigningKey, k.createdAt,
        k.createdBy, k.revokedAt,
      );
      return done;
    },
    async revokeApiKey(id, at) {
      return s.revokeApiKey.run(at, id).changes > 0;
    },
    setSetting(key, value) {
      s.setSetting.run(key, value);
      return done;
    },
  };
}
