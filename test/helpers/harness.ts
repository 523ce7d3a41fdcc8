import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createServer, type Server } from '../../src/server.js';
import type { Store } from '../../src/store/types.js';
import { TEST_ADMIN } from './admin.js';
import { createTestDatabase, type TestDatabase } from './pg.js';
import type { StoreKind } from './stores.js';

export { testStores, type StoreKind } from './stores.js';

export const ADMIN_EMAIL = TEST_ADMIN.email;
export const ADMIN_PASSWORD = TEST_ADMIN.password;

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
  let server: Server;
  try {
    let store: Store | undefined;
    if (opts.wrapStore) {
      const { openStore } = await import('../../src/server.js');
      store = opts.wrapStore(await openStore(config));
    }
    server = await createServer(config, { store, clock: opts.clock });
  } catch (e) {
    // A server that did not start leaves neither its temp dir nor its database behind.
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop().catch(() => undefined);
    throw e;
  }
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
