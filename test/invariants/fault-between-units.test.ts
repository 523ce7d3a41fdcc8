import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';

/**
 * A write request commits twice: its change with its audit rows (in the handler), then its access row
 * (at onSend). If the store fails in between, the change is already durable and audited; the client
 * still gets a 503 (its access row is not durable), but must not be told the operation did not happen.
 */
for (const kind of await testStores()) {
  describe(`a store fault between a write and its access row (${kind})`, () => {
    let t: TestServer;
    /** When set, the next commitBatch succeeds and every later one fails (until cleared). */
    let failAfterNext = false;
    let failing = false;
    const base = '/api/v1/projects/bt/environments/prod';

    beforeAll(async () => {
      t = await startTestServer({
        wrapStore: (s: Store): Store => ({
          ...s,
          async commitBatch(units) {
            if (failing) throw new Error('injected: disk went away');
            const out = await s.commitBatch(units);
            if (failAfterNext) [failAfterNext, failing] = [false, true];
            return out;
          },
        }),
      });
      const a = t.adminToken;
      expect((await t.req('POST', '/api/v1/projects', { token: a, body: { slug: 'bt', name: 'BT' } })).statusCode).toBe(201);
      expect((await t.req('POST', '/api/v1/projects/bt/environments', { token: a, body: { slug: 'prod', name: 'Prod' } })).statusCode).toBe(201);
      expect((await t.req('PUT', `${base}/secrets/K`, { token: a, body: { value: 'v1' } })).statusCode).toBe(200);
    });
    afterAll(async () => t.close());

    it('the change that did happen is in the Audit Log, and the 503 says it was applied rather than "not performed"', async () => {
      failAfterNext = true;
      const r = await t.req('PUT', `${base}/secrets/K`, { token: t.adminToken, body: { value: 'v2' }, headers: { 'x-request-id': 'between-1' } });
      failing = false;
      expect(r.statusCode).toBe(503);
      expect(r.json().error.code).toBe('audit_unavailable');
      expect(r.json().error.details).toEqual({ applied: true });
      expect(r.json().error.message).not.toMatch(/not performed/);

      // It happened, and it is audited (no unaudited change) — only the access row is missing.
      const now = await t.req('GET', `${base}/secrets/K`, { token: t.adminToken });
      expect(now.json()).toMatchObject({ value: 'v2', version: 2 });
      const audit = (await t.req('GET', '/api/v1/audit-logs?requestId=between-1', { token: t.adminToken })).json().entries;
      expect(audit).toEqual([expect.objectContaining({ event: 'SecretUpdated', outcome: 'Success', details: { version: 2, bytes: 2 } })]);
    });

    it('a request refused before any change keeps the plain "not performed" answer', async () => {
      failing = true;
      const r = await t.req('PUT', `${base}/secrets/K`, { token: t.adminToken, body: { value: 'v3' } });
      failing = false;
      expect(r.statusCode).toBe(503);
      expect(r.json().error.message).toMatch(/not performed/);
      expect(r.json().error.details).toBeUndefined();
      expect((await t.req('GET', `${base}/secrets/K`, { token: t.adminToken })).json()).toMatchObject({ value: 'v2', version: 2 });
    });
  });
}
