import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh PostgreSQL database per test run, dropped afterwards. Typical use:
 *
 *   const PG = await postgresAvailable();               // top level of the test file
 *   describe.skipIf(!PG)('…', () => {
 *     let db: TestDatabase;
 *     beforeAll(async () => { db = await createTestDatabase(); });
 *     afterAll(() => db.drop());
 *     … createPostgresStore({ url: db.url }) …
 *   });
 *
 * Without a reachable server the tests are skipped with a console message, except in CI
 * (CI=true), where a missing PostgreSQL is a failure: CI must prove both stores.
 */

export const PG_ADMIN_URL = process.env.BELLA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Terminates leftover connections and drops the database */
  drop(): Promise<void>;
}

let probe: Promise<boolean> | null = null;

/** True when PostgreSQL answers; false (with a message) when it does not and CI is not 'true'; throws in CI. */
export function postgresAvailable(): Promise<boolean> {
  probe ??= (async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI but ${PG_ADMIN_URL} is unreachable: ${why}`);
      console.warn(`[pg] skipping PostgreSQL tests: ${PG_ADMIN_URL} is unreachable (${why}). Set CI=true to make this a failure.`);
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return probe;
}

/** Replaces the database name of a postgres:// URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `bella_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: withDatabase(PG_ADMIN_URL, name),
    async drop() {
      // WITH (FORCE) ends connections a failed test may have left open (PostgreSQL 13+).
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Runs one query against a test database with a short-lived connection (for assertions on storage). */
export async function queryDatabase<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}
