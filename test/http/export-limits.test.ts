import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import type { AuditFilter, Store } from '../../src/store/types.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { auditFor, errorOf, rid, seedProject } from './helpers.js';

/** Only the export's page reads (limit > 1) of these resources are held or failed; every other read passes. */
const HOLD = 'hold-export';
const BOOM = 'boom-export';
const SYNTHETIC = 'synthetic-pages';

/**
 * Exports hold a slot per caller and in all (BELLA_EXPORTS_PER_CALLER, BELLA_EXPORTS_TOTAL) from the
 * request until the response is over; over a cap they are refused (429, Retry-After) and the refusal
 * is audited. The store is wrapped so a test decides when an export's pages come back.
 */
for (const kind of await testStores()) {
  describe(`export limits (${kind})`, () => {
    let t: TestServer;
    let url: string;
    let bob: string;
    let carol: string;
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    let waiting = 0;
    const pageTicks: number[] = [];
    let ticks = 0;

    const closeGate = () => {
      gate = new Promise((r) => (release = r));
    };
    const wrap = (s: Store): Store => {
      const query = async (f: AuditFilter, limit: number): Promise<AuditEntry[]> => {
        if (limit > 1 && f.resource === HOLD) {
          waiting++;
          try {
            await gate;
          } finally {
            waiting--;
          }
        }
        if (limit > 1 && f.resource === BOOM) throw new Error('injected: the page read failed');
        if (f.resource === SYNTHETIC) {
          // 3,000 made-up entries, so an export runs over several pages without seeding them.
          if (limit > 1) pageTicks.push(ticks);
          const top = Math.min((f.beforeSeq ?? 3001) - 1, 3000);
          return Array.from({ length: Math.max(0, Math.min(limit, top)) }, (_, i) => ({ seq: top - i, event: 'SecretRead' }) as unknown as AuditEntry);
        }
        return s.auditLog.query(f, limit);
      };
      const auditLog = new Proxy(s.auditLog, {
        get(target, k) {
          if (k === 'query') return query;
          const v = Reflect.get(target, k) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      return new Proxy(s, { get: (target, k) => (k === 'auditLog' ? auditLog : Reflect.get(target, k)) });
    };

    beforeAll(async () => {
      t = await startTestServer({ store: kind, wrapStore: wrap, env: { BELLA_EXPORTS_PER_CALLER: '2', BELLA_EXPORTS_TOTAL: '3' } });
      bob = await t.user('bob@example.com', 'Bob');
      carol = await t.user('carol@example.com', 'Carol');
      await seedProject(t, bob, 'web', ['prod']);
      await seedProject(t, carol, 'shop', ['prod']);
      // A real socket: a client that stops reading or goes away can only be shown over one.
      url = await t.server.app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      release();
      await t.close();
    });

    const held = (token: string, query: string, id: string, signal?: AbortSignal) =>
      fetch(`${url}/api/v1/audit-logs/export?format=json&resource=${HOLD}${query}`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': id }, signal });
    const until = async (cond: () => boolean, what: string) => {
      const deadline = Date.now() + 10_000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const deniedOf = async (id: string) => (await auditFor(t, id)).filter((e) => e.outcome === 'Denied');

    it('a caller with two exports streaming is refused a third (429 too_many_exports, Retry-After), audited as AuditLogExported Denied export_limit', async () => {
      closeGate();
      const a = await held(t.adminToken, '', rid('cap-a'));
      const b = await held(t.adminToken, '', rid('cap-b'));
      expect([a.status, b.status]).toEqual([200, 200]);
      await until(() => waiting === 2, 'two exports at their first page');

      const id = rid('cap-third');
      const r = await t.req('GET', `/api/v1/audit-logs/export?format=csv&actor=pasted-${id}`, { token: t.adminToken, headers: { 'x-request-id': id } });
      expect(r.statusCode, r.body).toBe(429);
      expect(r.headers['retry-after']).toBe('5');
      expect(errorOf(r).code).toBe('too_many_exports');
      expect(errorOf(r).message).toMatch(/already has 2 exports streaming/);
      const [denied, ...more] = await deniedOf(id);
      expect(more).toEqual([]);
      expect(denied).toMatchObject({ event: 'AuditLogExported', outcome: 'Denied', reason: 'export_limit', resource: 'audit-log', details: { format: 'csv', limit: 'per_caller', filters: { actor: '' } } });

      // Another caller still gets one of the three slots in all; a fourth caller is refused by the total cap.
      const c = await held(bob, '&project=web', rid('cap-bob'));
      expect(c.status).toBe(200);
      await until(() => waiting === 3, 'three exports at their first page');
      const id4 = rid('cap-total');
      const d = await t.req('GET', '/api/v1/audit-logs/export?project=shop', { token: carol, headers: { 'x-request-id': id4 } });
      expect(d.statusCode, d.body).toBe(429);
      expect(errorOf(d).message).toMatch(/the server already streams 3 exports/);
      expect((await deniedOf(id4))[0]).toMatchObject({ reason: 'export_limit', projectSlug: 'shop', details: { limit: 'total' } });

      release();
      for (const res of [a, b, c]) expect(JSON.parse(await res.text())).toEqual([]);
      // Every slot came back when the streams ended: the same caller may run two again.
      const again = await Promise.all([t.req('GET', '/api/v1/audit-logs/export', { token: t.adminToken }), t.req('GET', '/api/v1/audit-logs/export', { token: t.adminToken })]);
      expect(again.map((x) => x.statusCode)).toEqual([200, 200]);
    });

    it('a client that disconnects mid-export frees its slot at once, while its page read is still pending', async () => {
      closeGate();
      const gone = new AbortController();
      const a = await held(t.adminToken, '', rid('drop-a'), gone.signal);
      const b = await held(t.adminToken, '', rid('drop-b'));
      expect([a.status, b.status]).toEqual([200, 200]);
      await until(() => waiting === 2, 'two exports at their first page');
      const full = await t.req('GET', '/api/v1/audit-logs/export', { token: t.adminToken });
      expect(full.statusCode).toBe(429);

      gone.abort();
      // The aborted export's page read has not returned (the gate is closed), yet its slot comes free.
      const deadline = Date.now() + 5_000;
      for (;;) {
        const probe = await t.req('GET', '/api/v1/audit-logs/export?format=ndjson&limit=1', { token: t.adminToken });
        if (probe.statusCode === 200) break;
        expect(probe.statusCode).toBe(429);
        if (Date.now() > deadline) throw new Error("the disconnected client's slot was never freed");
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(waiting).toBe(2);
      release();
      await b.text();
    });

    it('an export whose page read fails frees its slot', async () => {
      for (let i = 0; i < 3; i++) {
        const r = await t.req('GET', `/api/v1/audit-logs/export?format=ndjson&resource=${BOOM}`, { token: bob }).catch(() => null);
        expect(r === null || r.statusCode !== 429).toBe(true);
      }
      const ok = await Promise.all([t.req('GET', '/api/v1/audit-logs/export?project=web', { token: bob }), t.req('GET', '/api/v1/audit-logs/export?project=web', { token: bob })]);
      expect(ok.map((x) => x.statusCode)).toEqual([200, 200]);
    });

    it('limit is at most 1,000,000 rows: larger is a 400 that says so', async () => {
      const r = await t.req('GET', '/api/v1/audit-logs/export?limit=1000001', { token: t.adminToken });
      expect(r.statusCode).toBe(400);
      expect(errorOf(r)).toMatchObject({ code: 'validation_failed' });
      expect(errorOf(r).message).toMatch(/^querystring\.limit: must be at most 1000000 rows/);
      const a = await t.req('GET', '/api/v1/access-logs/export?limit=2000000', { token: t.adminToken });
      expect(a.statusCode).toBe(400);
      expect((await t.req('GET', '/api/v1/audit-logs/export?limit=1000000&format=ndjson', { token: t.adminToken })).statusCode).toBe(200);
    });

    it('an export yields to the event loop between pages, so other requests are served meanwhile', async () => {
      pageTicks.length = 0;
      let spinning = true;
      const spin = () => {
        ticks++;
        if (spinning) setImmediate(spin);
      };
      setImmediate(spin);
      try {
        const r = await t.req('GET', `/api/v1/audit-logs/export?format=ndjson&resource=${SYNTHETIC}`, { token: t.adminToken });
        expect(r.statusCode).toBe(200);
        expect(r.body.trimEnd().split('\n')).toHaveLength(3000);
      } finally {
        spinning = false;
      }
      expect(pageTicks.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < pageTicks.length; i++) expect(pageTicks[i], `event-loop turns before page ${i + 1}: ${pageTicks.join(',')}`).toBeGreaterThan(pageTicks[i - 1] as number);
    });
  });
}
