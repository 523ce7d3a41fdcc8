import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createServer, type Server } from '../../src/server.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from './pg.js';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-123';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The stores a suite runs against, the way Kysely's tests loop over dialects: SQLite always,
 * PostgreSQL when it answers (always in CI, where a missing PostgreSQL fails instead of skipping).
 * Use at the top level of a test file: `for (const kind of await testStores()) describe(…)`.
 */
export async function testStores(): Promise<StoreKind[]> {
  return (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestServer {
  readonly server: Server;
  readonly dataDir: string;
  readonly storeKind: StoreKind;
  /** The PostgreSQL database of a postgres test server (dropped by close) */
  readonly database: TestDatabase | null;
  readonly adminToken: string;
  /** app.inject with JSON body and bearer token conveniences */
  req(method: string, url: string, opts?: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<LightMyRequestResponse>;
  login(email: string, password: string): Promise<string>;
  /** Creates a user (as admin) and returns a session token for them */
  user(email: string, name?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real server (real SQLite file in a temp dir, or a fresh PostgreSQL database; real group
 * committer) driven through app.inject(). `store` picks the adapter (default sqlite); `wrapStore`
 * lets a test wrap the real store (fault injection); `clock` drives time.
 */
export async function startTestServer(
  opts: { store?: StoreKind; clock?: () => Date; wrapStore?: (s: Store) => Store; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bella-test-'));
  const storeKind = opts.store ?? 'sqlite';
  const database = storeKind === 'postgres' ? await createTestDatabase() : null;
  const config = loadConfig({
    BELLA_DATA_DIR: dataDir,
    BELLA_ADMIN_EMAIL: ADMIN_EMAIL,
    BELLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BELLA_LOG_LEVEL: 'silent',
    ...(database ? { BELLA_DATABASE_URL: database.url } : {}),
    ...opts.env,
  });
  let store: Store | undefined;
  if (opts.wrapStore) {
    const { openStore } = await import('../../src/server.js');
    store = opts.wrapStore(await openStore(config));
  }
  const server = await createServer(config, { store, clock: opts.clock });
  const req: TestServer['req'] = (method, url, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let payload: string | undefined = o.raw;
    if (o.body !== undefined) {
      payload = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    if (o.raw !== undefined) headers['content-type'] ??= 'application/json';
    return server.app.inject({ method: method as 'GET', url, headers, payload });
  };
  const login = async (email: string, password: string) => {
    const r = await req('POST', '/api/v1/auth/login', { body: { email, password } });
    if (r.statusCode !== 200) throw new Error(`login ${email} failed: ${r.statusCode} ${r.body}`);
    return (r.json() as { token: string }).token;
  };
  const adminToken = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
  return {
    server,
    dataDir,
    storeKind,
    database,
    adminToken,
    req,
    login,
    async user(email, name = email.split('@')[0] as string) {
      const password = `pw-${email}-long-enough`;
      const r = await req('POST', '/api/v1/users', { token: adminToken, body: { email, name, password } });
      if (r.statusCode !== 201) throw new Error(`create user ${email}: ${r.statusCode} ${r.body}`);
      return login(email, password);
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}
