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

/**
 * How many statement texts a connection keeps prepared (and how many renumbered texts PostgreSQL's
 * adapter keeps). Filters combine into many shapes; an unbounded cache grew by hundreds of MB.
 */
export const STATEMENT_CACHE_SIZE = 256;

/** A map that keeps the `max` most recently used entries. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get size(): number {
    return this.map.size;
  }
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
}

/** `?` → `$1, $2, …` (PostgreSQL), cached per statement text. The ports' SQL has no `?` in literals. */
export function numberedPlaceholders(): (sql: string) => string {
  const cache = new LruCache<string, string>(STATEMENT_CACHE_SIZE);
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
