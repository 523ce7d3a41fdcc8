import { createTestDatabase, postgresAvailable, type TestDatabase } from './pg.js';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The stores a suite runs against, the way Kysely's tests loop over dialects: SQLite always,
 * PostgreSQL when it answers (always in CI, where a missing PostgreSQL fails instead of skipping).
 * Use at the top level of a test file: `for (const kind of await testStores()) describe(…)`.
 */
export async function testStores(): Promise<StoreKind[]> {
  return (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** What a server process needs to run on a store: its BELLA_* variables and, for PostgreSQL, a fresh database. */
export interface ProcessStore {
  readonly kind: StoreKind;
  /** BELLA_DATABASE_URL for postgres; nothing for sqlite (the data dir holds the database) */
  readonly env: Record<string, string>;
  readonly database: TestDatabase | null;
  /** Drops the database (postgres); a no-op for sqlite */
  drop(): Promise<void>;
}

/**
 * The store of a `startServerProcess` test: pass `env` to every start (and restart) of the process.
 * Restarting with the same env and data dir reopens the same data (the data dir keeps the master key).
 */
export async function processStore(kind: StoreKind): Promise<ProcessStore> {
  const database = kind === 'postgres' ? await createTestDatabase() : null;
  return {
    kind,
    env: database ? { BELLA_DATABASE_URL: database.url } : {},
    database,
    drop: async () => database?.drop(),
  };
}
