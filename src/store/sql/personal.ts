import type { PersonalTx } from '../ports.js';
import type { SqlDb } from './db.js';

/**
 * GDPR erasure of one person's personal fields (email, name, IP) in both logs and their account. In
 * the Audit Log only columns outside the leaf are touched: the salt is deleted (so the kept
 * personal_hash can no longer be opened or confirmed) and the three fields are replaced by the
 * pseudonym; every leaf, checkpoint and proof stays valid (docs/compliance.md#erasure).
 */
export function personalTx(db: SqlDb): PersonalTx {
  return {
    async erasePersonal(m, pseudonym, at) {
      const who = `(lower(actor_email) = ? OR (actor_type = 'User' AND actor_id = ?))`;
      const args = [m.email.toLowerCase(), m.userId ?? '\u0000none'];
      const audit = await db.run(`UPDATE audit_log SET personal_salt = NULL, actor_email = NULL, actor_ip = NULL, actor_name = ? WHERE ${who}`, [pseudonym, ...args]);
      const access = await db.run(`UPDATE access_log SET actor_email = NULL, actor_ip = NULL, actor_name = ? WHERE ${who}`, [pseudonym, ...args]);
      let account = 0;
      if (m.userId) {
        account = await db.run(`UPDATE users SET email = ?, name = ?, password_hash = '!erased' WHERE id = ?`, [`${pseudonym.replace(':', '-')}@erased.invalid`, pseudonym, m.userId]);
        await db.run('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL', [at, m.userId]);
      }
      return { audit, access, account };
    },
  };
}
