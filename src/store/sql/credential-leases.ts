import type { CredentialLeasePort, CredentialLeaseRow, CredentialLeasesTx } from '../ports.js';
import type { Row, SqlDb } from './db.js';

const COLS =
  'id, provider_id, provider_name, project_id, environment_id, username, reason, created_at, created_by, expires_at, state, revoked_at, revoked_by, revoke_reason, attempts, next_attempt_at, last_error';
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const leaseOf = (r: Row): CredentialLeaseRow => ({
  id: String(r.id), providerId: String(r.provider_id), providerName: String(r.provider_name), projectId: String(r.project_id),
  environmentId: String(r.environment_id), username: String(r.username), reason: String(r.reason), createdAt: String(r.created_at),
  createdBy: str(r.created_by), expiresAt: String(r.expires_at), state: String(r.state) as CredentialLeaseRow['state'],
  revokedAt: str(r.revoked_at), revokedBy: str(r.revoked_by), revokeReason: str(r.revoke_reason), attempts: Number(r.attempts),
  nextAttemptAt: str(r.next_attempt_at), lastError: str(r.last_error),
});

/** Credential leases (logins created by providers) and their revocation state. */
export function credentialLeasesPort(db: SqlDb): CredentialLeasePort {
  return {
    async get(id) {
      const r = await db.one(`SELECT ${COLS} FROM credential_leases WHERE id = ?`, [id]);
      return r ? leaseOf(r) : null;
    },
    async list(environmentId, limit) {
      return (await db.all(`SELECT ${COLS} FROM credential_leases WHERE environment_id = ? ORDER BY created_at DESC, id LIMIT ?`, [environmentId, limit])).map(leaseOf);
    },
    async due(now, limit) {
      return (
        await db.all(
          `SELECT ${COLS} FROM credential_leases WHERE (state = 'active' AND expires_at <= ?) OR (state = 'revoking' AND next_attempt_at <= ?) ORDER BY expires_at, id LIMIT ?`,
          [now, now, limit],
        )
      ).map(leaseOf);
    },
    async liveUsernames(providerId) {
      return (await db.all("SELECT username FROM credential_leases WHERE provider_id = ? AND state IN ('active', 'revoking') ORDER BY username", [providerId])).map((r) => String(r.username));
    },
  };
}

export function credentialLeasesTx(db: SqlDb): CredentialLeasesTx {
  return {
    async insert(l) {
      await db.run(`INSERT INTO credential_leases (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        l.id, l.providerId, l.providerName, l.projectId, l.environmentId, l.username, l.reason, l.createdAt, l.createdBy, l.expiresAt,
        l.state, l.revokedAt, l.revokedBy, l.revokeReason, l.attempts, l.nextAttemptAt, l.lastError,
      ]);
    },
    async transition(id, from, to) {
      const n = await db.run(
        `UPDATE credential_leases SET state = ?, revoked_at = ?, revoked_by = ?, revoke_reason = ?, attempts = ?, next_attempt_at = ?, last_error = ?
         WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})`,
        [to.state, to.revokedAt, to.revokedBy, to.revokeReason, to.attempts, to.nextAttemptAt, to.lastError, id, ...from],
      );
      return n > 0;
    },
  };
}
