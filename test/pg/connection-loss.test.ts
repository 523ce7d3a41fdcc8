import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { createTestDatabase, postgresAvailable, queryDatabase, withDatabase, type TestDatabase } from '../helpers/pg.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const PG = await postgresAvailable();
const VALUE = 'conn-loss-marker-value-7f3a';
const NEW_VALUE = 'conn-loss-marker-new-value-91c2';
const secretUrl = '/api/v1/projects/p1/environments/prod/secrets/API_TOKEN';

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!PG)('PostgreSQL connection loss (through a TCP proxy the test controls)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    const url = withDatabase(`postgres://postgres@127.0.0.1:${proxy.port}/postgres`, db.name);
    t = await startTestServer({ env: { BELLA_DATABASE_URL: url } });
    const token = t.adminToken;
    expect((await t.req('POST', '/api/v1/projects', { token, body: { slug: 'p1', name: 'P1' } })).statusCode).toBe(201);
    expect((await t.req('POST', '/api/v1/projects/p1/environments', { token, body: { slug: 'prod', name: 'Prod' } })).statusCode).toBe(201);
    expect((await t.req('PUT', secretUrl, { token, body: { value: VALUE } })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('while the database is unreachable, reads and writes answer 503 without values and /readyz says why; service then resumes by itself', async () => {
    const token = t.adminToken;
    expect((await t.req('GET', secretUrl, { token })).json()).toMatchObject({ value: VALUE });
    expect(proxy.open()).toBeGreaterThan(0);

    proxy.cut();
    const read = await t.req('GET', secretUrl, { token });
    expect(read.statusCode).toBe(503);
    expect(read.body).not.toContain(VALUE);
    expect(read.json()).toMatchObject({ error: { code: 'audit_unavailable' } });
    const write = await t.req('PUT', secretUrl, { token, body: { value: NEW_VALUE } });
    expect(write.statusCode).toBe(503);
    expect(write.body).not.toContain(NEW_VALUE);
    const ready = await t.req('GET', '/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', store: 'postgres' });
    expect((ready.json() as { reason: string }).reason).toMatch(/fail-closed/);

    proxy.restore();
    const back = await until(() => t.req('GET', secretUrl, { token }), (r) => r.statusCode === 200);
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ value: VALUE, version: 1 });
    expect((await t.req('GET', '/readyz')).json()).toMatchObject({ status: 'ready', store: 'postgres' });
  });

  it('nothing half-written remains: the refused write left no version, no audit row, and both logs stay gap-free', async () => {
    const versions = await queryDatabase(db.url, 'SELECT v.version FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.key = $1', ['API_TOKEN']);
    expect(versions).toEqual([{ version: 1 }]);
    const updates = await queryDatabase(db.url, "SELECT count(*)::int AS n FROM audit_log WHERE event IN ('SecretUpdated', 'SecretCreated') AND resource = 'API_TOKEN'");
    expect(updates).toEqual([{ n: 1 }]);
    for (const table of ['audit_log', 'access_log']) {
      const [r] = await queryDatabase<{ n: number; max: number }>(db.url, `SELECT count(*)::int AS n, max(seq)::int AS max FROM ${table}`);
      expect(r?.n).toBe(r?.max);
      const [c] = await queryDatabase<{ last: string }>(db.url, 'SELECT last FROM log_seq WHERE log = $1', [table.replace('_log', '')]);
      expect(Number(c?.last)).toBe(r?.max);
    }
  });

  it('a purge during an outage fails without harming the process, and the next one succeeds', async () => {
    proxy.cut();
    await expect(t.server.services.retention.purge()).rejects.toThrow();
    proxy.restore();
    const report = await until(() => t.server.services.retention.purge().catch(() => null), (r) => r !== null);
    expect(report).toMatchObject({ auditDeleted: 0, accessDeleted: 0 });
  });

  it('a second outage is survived the same way (the adapter reconnects every time)', async () => {
    const token = t.adminToken;
    proxy.cut();
    expect((await t.req('GET', secretUrl, { token })).statusCode).toBe(503);
    proxy.restore();
    const w = await until(() => t.req('PUT', secretUrl, { token, body: { value: NEW_VALUE } }), (r) => r.statusCode === 200);
    expect(w.json()).toMatchObject({ version: 2 });
    expect((await t.req('GET', secretUrl, { token })).json()).toMatchObject({ value: NEW_VALUE, version: 2 });
  });
});

describe.skipIf(!PG)('PostgreSQL that stops answering without closing connections', () => {
  it('commits and probes fail within the query timeout instead of hanging, and the store recovers after', async () => {
    const { createPostgresStore } = await import('../../src/store/postgres/postgres-store.js');
    const { auditDraft } = await import('../../src/store/store.conformance.js');
    const db = await createTestDatabase();
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    const store = createPostgresStore({ url: withDatabase(`postgres://postgres@127.0.0.1:${proxy.port}/postgres`, db.name), queryTimeoutMs: 1500 });
    try {
      await store.migrate();
      await store.commitBatch([{ audit: [auditDraft()], access: [] }]);
      proxy.stall();
      const started = Date.now();
      await expect(store.commitBatch([{ audit: [auditDraft()], access: [] }])).rejects.toThrow();
      await expect(store.probeWritable()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(8000);
      proxy.restore();
      const out = await until(() => store.commitBatch([{ audit: [auditDraft()], access: [] }]).catch(() => null), (r) => r !== null);
      expect(out?.[0]?.ok).toBe(true);
      // The stalled batch never committed: seq continues at 2, without a gap.
      expect((await store.auditLog.query({}, 10)).map((e) => e.seq)).toEqual([2, 1]);
    } finally {
      await store.close();
      await proxy.close();
      await db.drop();
    }
  });
});
