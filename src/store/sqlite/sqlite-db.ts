import type Database from 'better-sqlite3';
import { LruCache, STATEMENT_CACHE_SIZE, type Row, type SqlDb } from '../sql/db.js';

/** better-sqlite3 binds no booleans: they are stored as 1/0. */
const bind = (params: readonly unknown[]): unknown[] => params.map((v) => (v === true ? 1 : v === false ? 0 : v));

/**
 * SqlDb over one better-sqlite3 connection, the most recently used prepared statements cached by
 * text (bounded: an evicted statement is finalised by the garbage collector). The calls are
 * synchronous and return settled promises, so awaiting them yields only to microtasks: nothing else
 * touches the writer while a batch is open.
 */
export function sqliteDb(conn: () => Database.Database): SqlDb & { readonly cachedStatements: () => number } {
  const cache = new LruCache<string, Database.Statement>(STATEMENT_CACHE_SIZE);
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
    cachedStatements: () => cache.size,
  };
}
