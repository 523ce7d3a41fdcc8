import type { ApiKeyPort, ApiKeysTx } from '../ports.js';
import { apiKeyFromRow } from '../rows.js';
import type { SqlDb } from './db.js';

/** API keys: the secret is stored as a hash, the signing key wrapped by the master key. */
export function apiKeysPort(db: SqlDb): ApiKeyPort {
  return {
    get: async (id) => {
      const x = await db.one('SELECT * FROM api_keys WHERE id = ?', [id]);
      return x && apiKeyFromRow(x);
    },
    list: async (projectId, environmentId) =>
      (environmentId
        ? await db.all('SELECT * FROM api_keys WHERE project_id = ? AND environment_id = ? ORDER BY created_at, id', [projectId, environmentId])
        : await db.all('SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at, id', [projectId])
      ).map(apiKeyFromRow),
  };
}

export function apiKeysTx(db: SqlDb): ApiKeysTx {
  return {
    async insert(k) {
      await db.run(
        `INSERT INTO api_keys (id, project_id, environment_id, name, role, secret_hash, wrapped_signing_key, wrapped_sdk_key, created_at, created_by, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [k.id, k.projectId, k.environmentId, k.name, k.role, k.secretHash, k.wrappedSigningKey, k.wrappedSdkKey ?? null, k.createdAt, k.createdBy, k.revokedAt],
      );
    },
    revoke: async (id, at) => (await db.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])) > 0,
    listActiveByCreator: async (projectId, createdBy) =>
      (await db.all('SELECT * FROM api_keys WHERE project_id = ? AND created_by = ? AND revoked_at IS NULL ORDER BY created_at, id', [projectId, createdBy])).map(apiKeyFromRow),
  };
}
