import type { TrustDomainPort, TrustDomainsTx } from '../ports.js';
import { trustDomainFromRow } from '../rows.js';
import type { SqlDb, SqlDialect } from './db.js';

/** OIDC trust domains, per environment; claim rules and audiences as JSON text. */
export function trustDomainsPort(db: SqlDb, d: SqlDialect): TrustDomainPort {
  return {
    get: async (environmentId, name) => {
      const x = await db.one('SELECT * FROM trust_domains WHERE environment_id = ? AND name = ?', [environmentId, name]);
      return x && trustDomainFromRow(x);
    },
    list: async (environmentId) =>
      (await db.all(`SELECT * FROM trust_domains WHERE environment_id = ? ORDER BY ${d.byteOrder('name')}`, [environmentId])).map(trustDomainFromRow),
  };
}

export function trustDomainsTx(db: SqlDb): TrustDomainsTx {
  return {
    async insert(t) {
      await db.run(
        `INSERT INTO trust_domains (id, project_id, environment_id, name, issuer_url, claim_rules, audiences, ttl_minutes, granted_role, created_at, created_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [t.id, t.projectId, t.environmentId, t.name, t.issuerUrl, JSON.stringify(t.claimRules), JSON.stringify(t.audiences), t.ttlMinutes, t.grantedRole, t.createdAt, t.createdBy, t.updatedAt],
      );
    },
    update: async (t) =>
      (await db.run('UPDATE trust_domains SET issuer_url = ?, claim_rules = ?, audiences = ?, ttl_minutes = ?, granted_role = ?, updated_at = ? WHERE id = ?', [
        t.issuerUrl, JSON.stringify(t.claimRules), JSON.stringify(t.audiences), t.ttlMinutes, t.grantedRole, t.updatedAt, t.id,
      ])) > 0,
    delete: async (id) => (await db.run('DELETE FROM trust_domains WHERE id = ?', [id])) > 0,
  };
}
