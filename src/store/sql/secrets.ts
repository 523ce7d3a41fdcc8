import { randomUUID } from 'node:crypto';
import type { SecretPort, SecretsTx } from '../ports.js';
import { secretFromRow, secretVersionFromRow } from '../rows.js';
import type { SqlDb, SqlDialect } from './db.js';

/** Secrets: one row per key with its current version; every version (and deletion tombstone) kept. */
export function secretsPort(db: SqlDb, d: SqlDialect): SecretPort {
  return {
    async get(environmentId, key, version) {
      const x =
        version !== undefined
          ? await db.one(
              `SELECT s.id, s.environment_id, s.key, v.version, v.ciphertext, v.created_at AS updated_at, v.created_by AS updated_by,
                 (v.ciphertext IS NULL) AS deleted
               FROM secrets s JOIN secret_versions v ON v.secret_id = s.id
               WHERE s.environment_id = ? AND s.key = ? AND v.version = ?`,
              [environmentId, key, version],
            )
          : await db.one(
              `SELECT s.*, v.ciphertext FROM secrets s LEFT JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.version
               WHERE s.environment_id = ? AND s.key = ?`,
              [environmentId, key],
            );
      return x && secretFromRow(x);
    },
    listVersions: async (environmentId, key) =>
      (
        await db.all(
          `SELECT v.version, v.created_at, v.created_by, (v.ciphertext IS NULL) AS deleted FROM secrets s
           JOIN secret_versions v ON v.secret_id = s.id WHERE s.environment_id = ? AND s.key = ? ORDER BY v.version DESC`,
          [environmentId, key],
        )
      ).map(secretVersionFromRow),
    list: async (environmentId) =>
      (
        await db.all(
          `SELECT s.*, v.ciphertext FROM secrets s JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.version
           WHERE s.environment_id = ? AND NOT s.deleted ORDER BY ${d.byteOrder('s.key')}`,
          [environmentId],
        )
      ).map(secretFromRow),
    async stamp(environmentId) {
      const x = await db.one('SELECT COALESCE(SUM(version), 0) AS v, MAX(updated_at) AS m FROM secrets WHERE environment_id = ?', [environmentId]);
      const m = x?.m;
      return { version: Number(x?.v ?? 0), lastModified: m === null || m === undefined ? null : m instanceof Date ? m.toISOString() : String(m) };
    },
  };
}

export function secretsTx(db: SqlDb, d: SqlDialect): SecretsTx {
  // FOR UPDATE (PostgreSQL): a concurrent writer of the same key on another node waits, then sees our version.
  const current = async (environmentId: string, key: string) =>
    db.one(`SELECT id, version, deleted FROM secrets WHERE environment_id = ? AND key = ?${d.forUpdate}`, [environmentId, key]);
  const nextVersion = async (secretId: string) => Number((await db.one('SELECT MAX(version) AS v FROM secret_versions WHERE secret_id = ?', [secretId]))?.v ?? 0) + 1;
  const insertVersion = (secretId: string, version: number, ciphertext: Buffer | null, at: string, by: string | null) =>
    db.run('INSERT INTO secret_versions (secret_id, version, ciphertext, created_at, created_by) VALUES (?, ?, ?, ?, ?)', [secretId, version, ciphertext, at, by]);
  const setCurrent = (secretId: string, version: number, deleted: boolean, at: string, by: string | null) =>
    db.run('UPDATE secrets SET version = ?, deleted = ?, updated_at = ?, updated_by = ? WHERE id = ?', [version, deleted, at, by, secretId]);
  return {
    async put(environmentId, key, ciphertextFor, at, by) {
      const cur = await current(environmentId, key);
      if (!cur) {
        const id = randomUUID();
        await db.run('INSERT INTO secrets (id, environment_id, key, version, deleted, updated_at, updated_by) VALUES (?, ?, ?, 1, ?, ?, ?)', [
          id, environmentId, key, false, at, by,
        ]);
        await insertVersion(id, 1, ciphertextFor(1), at, by);
        return { version: 1, created: true };
      }
      // Versions keep counting across a delete (the tombstone holds a number too).
      const version = await nextVersion(String(cur.id));
      await insertVersion(String(cur.id), version, ciphertextFor(version), at, by);
      await setCurrent(String(cur.id), version, false, at, by);
      return { version, created: cur.deleted === true || cur.deleted === 1 };
    },
    async delete(environmentId, key, at, by) {
      const cur = await current(environmentId, key);
      if (!cur || cur.deleted === true || cur.deleted === 1) return null;
      const tomb = await nextVersion(String(cur.id));
      await insertVersion(String(cur.id), tomb, null, at, by);
      await setCurrent(String(cur.id), tomb, true, at, by);
      return Number(cur.version);
    },
  };
}
