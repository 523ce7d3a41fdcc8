import type pg from 'pg';
import { numberedPlaceholders, type Row, type SqlDb } from '../sql/db.js';

const numbered = numberedPlaceholders();

/** SqlDb over a pool (reads) or one client (the unit of work's transaction). */
export function postgresDb(target: () => pg.Pool | pg.ClientBase): SqlDb {
  const q = (sql: string, params: readonly unknown[]) => target().query(numbered(sql), params as unknown[]);
  return {
    one: async (sql, params = []) => ((await q(sql, params)).rows[0] as Row | undefined) ?? null,
    all: async (sql, params = []) => (await q(sql, params)).rows as Row[],
    run: async (sql, params = []) => (await q(sql, params)).rowCount ?? 0,
  };
}
