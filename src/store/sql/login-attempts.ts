import type { LoginAttemptPort, LoginAttemptRow, LoginAttemptsTx } from '../ports.js';
import type { Row, SqlDb, SqlDialect } from './db.js';

const fromRow = (x: Row): LoginAttemptRow => ({
  key: x.key as string,
  // PostgreSQL returns BIGINT as text
  attempts: Number(x.attempts),
  lastAt: Number(x.last_at),
  lockedUntil: Number(x.locked_until),
});

/** Failed-login counters (identity/throttle.ts holds the policy; this file only stores rows). */
export function loginAttemptsPort(db: SqlDb): LoginAttemptPort {
  return {
    get: async (key) => {
      const x = await db.one('SELECT * FROM login_attempts WHERE key = ?', [key]);
      return x && fromRow(x);
    },
    count: async () => Number((await db.one('SELECT COUNT(*) AS n FROM login_attempts'))?.n ?? 0),
  };
}

export function loginAttemptsTx(db: SqlDb, d: SqlDialect): LoginAttemptsTx {
  return {
    async lock(keys, now) {
      const out: LoginAttemptRow[] = [];
      for (const key of keys) {
        // Insert first: a missing row could not be locked, and two nodes would both count from zero.
        await db.run('INSERT INTO login_attempts (key, attempts, last_at, locked_until) VALUES (?, 0, ?, 0) ON CONFLICT (key) DO NOTHING', [key, now]);
        const x = await db.one(`SELECT * FROM login_attempts WHERE key = ?${d.forUpdate}`, [key]);
        if (!x) throw new Error('login_attempts row vanished inside its transaction');
        out.push(fromRow(x));
      }
      return out;
    },
    async save(r) {
      await db.run('UPDATE login_attempts SET attempts = ?, last_at = ?, locked_until = ? WHERE key = ?', [r.attempts, r.lastAt, r.lockedUntil, r.key]);
    },
    async delete(key) {
      await db.run('DELETE FROM login_attempts WHERE key = ?', [key]);
    },
    prune: (before, limit) =>
      db.run('DELETE FROM login_attempts WHERE key IN (SELECT key FROM login_attempts WHERE last_at < ? AND locked_until < ? ORDER BY last_at LIMIT ?)', [
        before, before, limit,
      ]),
  };
}
