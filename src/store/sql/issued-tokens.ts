import type { IssuedTokenPort, IssuedTokensTx } from '../ports.js';
import { issuedTokenFromRow } from '../rows.js';
import type { SqlDb } from './db.js';

/** Leases and trust tokens: one row each, only the hash of the token's secret kept. */
export function issuedTokensPort(db: SqlDb): IssuedTokenPort {
  return {
    get: async (id) => {
      const x = await db.one('SELECT * FROM issued_tokens WHERE id = ?', [id]);
      return x && issuedTokenFromRow(x);
    },
    list: async (environmentId, kind, limit) =>
      (await db.all('SELECT * FROM issued_tokens WHERE environment_id = ? AND kind = ? ORDER BY created_at DESC, id DESC LIMIT ?', [environmentId, kind, limit])).map(
        issuedTokenFromRow,
      ),
    dueForExpiry: async (now, limit) =>
      (
        await db.all(
          "SELECT * FROM issued_tokens WHERE kind = 'lease' AND expiry_recorded_at IS NULL AND revoked_at IS NULL AND expires_at <= ? ORDER BY expires_at, id LIMIT ?",
          [now, limit],
        )
      ).map(issuedTokenFromRow),
  };
}

export function issuedTokensTx(db: SqlDb): IssuedTokensTx {
  return {
    async insert(t) {
      await db.run(
        `INSERT INTO issued_tokens (id, kind, project_id, environment_id, token_hash, role, scope, reason, trust_domain_id, trust_domain_name, issuer, subject,
           created_at, created_by, expires_at, revoked_at, revoked_by, revoke_reason, expiry_recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          t.id, t.kind, t.projectId, t.environmentId, t.tokenHash, t.role, t.scope === null ? null : JSON.stringify(t.scope), t.reason, t.trustDomainId,
          t.trustDomainName, t.issuer, t.subject, t.createdAt, t.createdBy, t.expiresAt, t.revokedAt, t.revokedBy, t.revokeReason, t.expiryRecordedAt,
        ],
      );
    },
    revoke: async (id, at, by, reason) =>
      (await db.run('UPDATE issued_tokens SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL', [at, by, reason, id])) > 0,
    listActive: async (environmentId, kind, now) =>
      (
        await db.all('SELECT * FROM issued_tokens WHERE environment_id = ? AND kind = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id', [
          environmentId, kind, now,
        ])
      ).map(issuedTokenFromRow),
    revokeByTrustDomain: (trustDomainId, at, by, reason) =>
      db.run('UPDATE issued_tokens SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE trust_domain_id = ? AND revoked_at IS NULL AND expires_at > ?', [
        at, by, reason, trustDomainId, at,
      ]),
    markExpiryRecorded: async (id, at) =>
      (await db.run('UPDATE issued_tokens SET expiry_recorded_at = ? WHERE id = ? AND expiry_recorded_at IS NULL AND revoked_at IS NULL', [at, id])) > 0,
  };
}
