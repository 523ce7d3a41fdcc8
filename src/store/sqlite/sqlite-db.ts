import type Database from 'better-sqlite3';
import type { Row, SqlDb } from '../sql/db.js';

/** better-sqlite3 binds no booleans: they are stored as 1/0. */
const bind = (params: readonly unknown[]): unknown[] => params.map((v) => (v === true ? 1 : v === false ? 0 : v));

/**
 * SqlDb over one better-sqlite3 connection, prepared statements cached by text. The calls are
 * synchronous and return settled promises, so awaiting them yields only to microtasks: nothing else
 * touches the writer while a batch is open.
 */
export function sqliteDb(conn: () => Database.Database): SqlDb {
  const cache = new Map<string, Database.Statement>();
  const st = (sql: string): Database.Statement => {
    let s = cache.get(sql);
    if (!s) {
      s = conn().prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  return {
    one: async (sql, params = []) => (st(sql).get(...bind(params)) as Row | undefined) ?? null,
    all: async (sql, params = []) => st(sql).all(...bind(params)) as Row[],
    run: async (sql, params = []) => st(sql).run(...bind(params)).changes,
  };
}
