import type { Dialect } from '../log-sql.js';

export type Row = Record<string, unknown>;

/**
 * The little an adapter gives the shared SQL of the ports: run a statement with `?` placeholders
 * (PostgreSQL's adapter renumbers them to $n once per statement text) on one connection or pool.
 * Booleans are bound as the engine stores them (SQLite: 1/0).
 */
export interface SqlDb {
  one(sql: string, params?: readonly unknown[]): Promise<Row | null>;
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** A statement that returns no rows; resolves with the number of rows it changed */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** What differs between the engines in the ports' SQL (log-sql's Dialect plus two clauses). */
export interface SqlDialect extends Dialect {
  /** Row locks for reads-for-write (PostgreSQL `FOR UPDATE`; SQLite's write transaction is exclusive) */
  readonly forUpdate: string;
  /** Byte-order sorting of a text column (PostgreSQL's default collation is locale-aware) */
  readonly byteOrder: (column: string) => string;
  /** Milliseconds since the epoch of the `ts` column, as an exact integer (histogram buckets) */
  readonly tsEpochMs: string;
}

/** `?` → `$1, $2, …` (PostgreSQL), cached per statement text. The ports' SQL has no `?` in literals. */
export function numberedPlaceholders(): (sql: string) => string {
  const cache = new Map<string, string>();
  return (sql) => {
    let out = cache.get(sql);
    if (out === undefined) {
      let i = 0;
      out = sql.includes('?') ? sql.replace(/\?/g, () => `$${++i}`) : sql;
      cache.set(sql, out);
    }
    return out;
  };
}
