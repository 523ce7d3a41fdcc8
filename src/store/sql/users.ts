import type { UserPort, UsersTx } from '../ports.js';
import { sessionFromRow, userFromRow } from '../rows.js';
import type { SqlDb, SqlDialect } from './db.js';

/** Users and their sessions. Emails are stored lower-cased, so equality finds them. */
export function usersPort(db: SqlDb, d: SqlDialect): UserPort {
  return {
    getByEmail: async (email) => {
      const x = await db.one('SELECT * FROM users WHERE email = ?', [email.toLowerCase()]);
      return x && userFromRow(x);
    },
    getById: async (id) => {
      const x = await db.one('SELECT * FROM users WHERE id = ?', [id]);
      return x && userFromRow(x);
    },
    list: async () => (await db.all(`SELECT * FROM users ORDER BY ${d.byteOrder('email')}`)).map(userFromRow),
    count: async () => Number((await db.one('SELECT COUNT(*) AS n FROM users'))?.n ?? 0),
    getSession: async (tokenHash) => {
      const x = await db.one('SELECT * FROM sessions WHERE token_hash = ?', [tokenHash]);
      return x && sessionFromRow(x);
    },
  };
}

export function usersTx(db: SqlDb): UsersTx {
  return {
    async insert(u) {
      await db.run('INSERT INTO users (id, email, name, password_hash, admin, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
        u.id, u.email.toLowerCase(), u.name, u.passwordHash, u.admin, u.createdAt,
      ]);
    },
    getByEmail: async (email) => {
      const x = await db.one('SELECT * FROM users WHERE email = ?', [email.toLowerCase()]);
      return x && userFromRow(x);
    },
    async insertSession(r) {
      await db.run('INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?)', [
        r.tokenHash, r.userId, r.createdAt, r.expiresAt, r.revokedAt,
      ]);
    },
    async revokeSession(tokenHash, at) {
      await db.run('UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL', [at, tokenHash]);
    },
  };
}
