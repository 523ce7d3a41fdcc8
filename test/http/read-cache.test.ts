import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createServer, type Server } from '../../src/server.js';
import type { ReadCache } from '../../src/store/read-cache.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/pg.js';
import { secretPath } from '../helpers/seed.js';
import { createKey, seedProject } from './helpers.js';

const cacheOf = (s: Server): ReadCache => (s.store as unknown as { cache: ReadCache }).cache;

/**
 * The read cache (src/store/read-cache.ts) serves the hot path's rows from memory, yet every change is
 * seen by the very next request: a revoked key, a changed role, a removed member, a new secret version.
 * Each case first reads twice, and checks the second read was served from the cache, so the test
 * proves an invalidation, not a cache that was never used.
 */
for (const kind of await testStores()) {
  describe(`the read cache never serves a changed row (${kind})`, () => {
    let t: TestServer;
    const url = secretPath('rc', 'prod', 'DB');
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await seedProject(t, t.adminToken, 'rc', ['prod']);
      expect((await t.req('PUT', url, { token: t.adminToken, body: { value: 'one' } })).statusCode).toBe(200);
    });
    afterAll(() => t.close());

    const warm = async (token: string) => {
      expect((await t.req('GET', url, { token })).statusCode).toBe(200);
      const hits = cacheOf(t.server).stats.hits;
      const r = await t.req('GET', url, { token });
      expect(r.statusCode, r.body).toBe(200);
      expect(cacheOf(t.server).stats.hits).toBeGreaterThan(hits);
      return r;
    };

    it('a revoked API key is refused on the next request', async () => {
      const key = await createKey(t, t.adminToken, 'rc', 'prod', 'CONSUMER');
      await warm(key.key);
      expect((await t.req('DELETE', `/api/v1/api-keys/${key.id}`, { token: t.adminToken })).statusCode).toBe(204);
      const r = await t.req('GET', url, { token: key.key });
      expect(r.statusCode, r.body).toBe(401);
      expect(r.body).toContain('revoked');
    });

    it('a new version of a secret is read on the next request', async () => {
      const key = await createKey(t, t.adminToken, 'rc', 'prod', 'CONSUMER');
      expect((await warm(key.key)).json().value).toBe('one');
      expect((await t.req('PUT', url, { token: t.adminToken, body: { value: 'two' } })).statusCode).toBe(200);
      const r = await t.req('GET', url, { token: key.key });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ value: 'two', version: 2 });
    });

    it('a role change and a member removal hold on the next request', async () => {
      const email = `rc-${kind}@example.com`;
      const token = await t.user(email);
      const member = `/api/v1/projects/rc/members/${encodeURIComponent(email)}`;
      expect((await t.req('PUT', member, { token: t.adminToken, body: { role: 'MEMBER' } })).statusCode).toBe(200);
      await warm(token);
      expect((await t.req('PUT', member, { token: t.adminToken, body: { role: 'AUDITOR' } })).statusCode).toBe(200);
      expect((await t.req('GET', url, { token })).statusCode).toBe(403);
      expect((await t.req('PUT', member, { token: t.adminToken, body: { role: 'MEMBER' } })).statusCode).toBe(200);
      expect((await t.req('GET', url, { token })).statusCode).toBe(200);
      expect((await t.req('DELETE', member, { token: t.adminToken })).statusCode).toBe(204);
      expect([403, 404]).toContain((await t.req('GET', url, { token })).statusCode);
    });

    it('a logged-out session is refused on the next request', async () => {
      const token = await t.login(ADMIN_EMAIL, ADMIN_PASSWORD);
      await warm(token);
      expect((await t.req('POST', '/api/v1/auth/logout', { token })).statusCode).toBeLessThan(300);
      expect((await t.req('GET', url, { token })).statusCode).toBe(401);
    });
  });
}

/** Two server instances on one PostgreSQL database: a change committed on node A holds on node B's next request. */
const PG = await postgresAvailable();
describe.skipIf(!PG)('the read cache across two nodes on one PostgreSQL', () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  const nodes: Server[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    const master = randomBytes(32).toString('hex');
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'bella-cache-'));
      dirs.push(dir);
      const config = loadConfig({ BELLA_DATA_DIR: dir, BELLA_DATABASE_URL: db.url, BELLA_MASTER_KEY: master, BELLA_ADMIN_EMAIL: ADMIN_EMAIL, BELLA_ADMIN_PASSWORD: ADMIN_PASSWORD, BELLA_LOG_LEVEL: 'silent' });
      nodes.push(await createServer(config));
    }
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await db?.drop();
  });

  const req = (n: Server, method: string, url: string, token: string | null, body?: unknown) =>
    n.app.inject({ method: method as 'GET', url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, payload: body === undefined ? undefined : JSON.stringify(body) });

  it('revoked on node A, refused by node B on its next request; a secret written on A is read new on B', async () => {
    const [a, b] = nodes as [Server, Server];
    const login = await req(a, 'POST', '/api/v1/auth/login', null, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const admin = (login.json() as { token: string }).token;
    expect((await req(a, 'POST', '/api/v1/projects', admin, { slug: 'mn', name: 'MN' })).statusCode).toBe(201);
    expect((await req(a, 'POST', '/api/v1/projects/mn/environments', admin, { slug: 'prod', name: 'Prod' })).statusCode).toBe(201);
    const url = secretPath('mn', 'prod', 'K');
    expect((await req(a, 'PUT', url, admin, { value: 'v1' })).statusCode).toBe(200);
    const created = await req(a, 'POST', '/api/v1/projects/mn/environments/prod/api-keys', admin, { name: 'k', role: 'CONSUMER' });
    const key = created.json() as { id: string; key: string };

    expect((await req(b, 'GET', url, key.key)).statusCode).toBe(200);
    const hits = cacheOf(b).stats.hits;
    expect((await req(b, 'GET', url, key.key)).json().value).toBe('v1');
    expect(cacheOf(b).stats.hits).toBeGreaterThan(hits);

    expect((await req(a, 'PUT', url, admin, { value: 'v2' })).statusCode).toBe(200);
    expect((await req(b, 'GET', url, key.key)).json().value).toBe('v2');

    expect((await req(a, 'DELETE', `/api/v1/api-keys/${key.id}`, admin)).statusCode).toBe(204);
    const refused = await req(b, 'GET', url, key.key);
    expect(refused.statusCode, refused.body).toBe(401);
    expect(refused.body).toContain('revoked');
  });
});
