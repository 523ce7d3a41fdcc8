import type { ProviderAssignmentRow, ProviderPort, ProviderRow, ProviderTx } from '../ports.js';
import type { Row, SqlDb } from './db.js';

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const COLS = 'id, name, type, config_public, config_sealed, created_at, created_by';
const providerOf = (r: Row): ProviderRow => ({
  id: String(r.id), name: String(r.name), type: String(r.type), configPublic: String(r.config_public),
  configSealed: Buffer.isBuffer(r.config_sealed) ? r.config_sealed : Buffer.from(r.config_sealed as Uint8Array),
  createdAt: iso(r.created_at), createdBy: (r.created_by as string | null) ?? null,
});
const assignmentOf = (r: Row): ProviderAssignmentRow => ({
  providerId: String(r.provider_id), projectId: String(r.project_id), environmentId: r.environment_id === '' ? null : String(r.environment_id),
});

/** Configured providers and their assignments (secrets/provider-service.ts). */
export function providersPort(db: SqlDb): ProviderPort {
  return {
    async getByName(name) {
      const r = await db.one(`SELECT ${COLS} FROM providers WHERE name = ?`, [name]);
      return r ? providerOf(r) : null;
    },
    async list() {
      return (await db.all(`SELECT ${COLS} FROM providers ORDER BY name`)).map(providerOf);
    },
    async assignments(providerId) {
      return (await db.all('SELECT provider_id, project_id, environment_id FROM provider_assignments WHERE provider_id = ? ORDER BY project_id, environment_id', [providerId])).map(assignmentOf);
    },
    async isAssigned(providerId, projectId, environmentId) {
      const r = await db.one(
        "SELECT 1 AS ok FROM provider_assignments WHERE provider_id = ? AND project_id = ? AND (environment_id = '' OR environment_id = ?)",
        [providerId, projectId, environmentId],
      );
      return r !== null;
    },
  };
}

export function providersTx(db: SqlDb): ProviderTx {
  return {
    async insert(p) {
      const n = await db.run(`INSERT INTO providers (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`, [
        p.id, p.name, p.type, p.configPublic, p.configSealed, p.createdAt, p.createdBy,
      ]);
      return n > 0;
    },
    async delete(id) {
      await db.run('DELETE FROM provider_assignments WHERE provider_id = ?', [id]);
      return (await db.run('DELETE FROM providers WHERE id = ?', [id])) > 0;
    },
    async assign(a) {
      const n = await db.run('INSERT INTO provider_assignments (provider_id, project_id, environment_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
        a.providerId, a.projectId, a.environmentId ?? '',
      ]);
      return n > 0;
    },
  };
}
