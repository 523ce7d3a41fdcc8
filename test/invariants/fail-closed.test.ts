import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';

/**
 * Invariant 2 (fail-closed): while the store refuses writes, no auditable operation happens — reads
 * answer 503 without the value, writes do not apply — and /readyz says why; all recovers afterwards.
 */
for (const kind of await testStores()) {
  describe(`fail-closed when the audit store refuses writes (${kind})`, () => {
    let t: TestServer;
    let fault: string | null = null;
    const base = '/api/v1/projects/fc/environments/prod';
    const VALUE = 'fail-closed-value-7c1e';
    const faultIds: string[] = [];

    const refusingStore = (s: Store): Store => ({
      ...s,
      async commitBatch(units) {
        if (fault) throw new Error(fault);
        return s.commitBatch(units);
      },
      async probeWritable() {
        if (fault) throw new Error(fault);
        return s.probeWritable();
      },
    });

    beforeAll(async () => {
      t = await startTestServer({ store: kind, wrapStore: refusingStore });
      const a = t.adminToken;
      expect((await t.req('POST', '/api/v1/projects', { token: a, body: { slug: 'fc', name: 'FC' } })).statusCode).toBe(201);
      expect((await t.req('POST', '/api/v1/projects/fc/environments', { token: a, body: { slug: 'prod', name: 'Prod' } })).statusCode).toBe(201);
      expect((await t.req('PUT', `${base}/secrets/K`, { token: a, body: { value: VALUE } })).statusCode).toBe(200);
    });
    afterAll(async () => t.close());

    const during = async (method: string, url: string, body?: unknown) => {
      const id = `fault-${faultIds.length}`;
      faultIds.push(id);
      return t.req(method, url, { token: t.adminToken, body, headers: { 'x-request-id': id } });
    };

    it('/readyz answers 503 and says why as soon as the store refuses writes, while /healthz stays 200', async () => {
      fault = 'disk I/O error (injected)';
      const r = await t.req('GET', '/readyz');
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ status: 'unavailable', store: kind });
      expect(r.json().reason).toContain('refuses writes');
      expect(r.json().reason).toContain('disk I/O error (injected)');
      expect((await t.req('GET', '/healthz')).statusCode).toBe(200);
    });

    it('a secret read answers 503 without the value, and so does a pull', async () => {
      for (const [m, url] of [['GET', `${base}/secrets/K`], ['POST', `${base}/pull`]] as const) {
        const r = await during(m, url);
        expect(r.statusCode).toBe(503);
        expect(r.body).not.toContain(VALUE);
        expect(r.json().error).toMatchObject({ code: 'audit_unavailable' });
        expect(r.headers['content-type']).toContain('application/json');
      }
    });

    it('an export answers 503 and streams no entries', async () => {
      const r = await during('GET', '/api/v1/audit-logs/export?format=ndjson');
      expect(r.statusCode).toBe(503);
      expect(r.headers['content-disposition']).toBeUndefined();
      expect(r.body).not.toContain('SecretCreated');
    });

    it('writes answer 503 and do not apply', async () => {
      expect((await during('PUT', `${base}/secrets/K`, { value: 'must-not-apply' })).statusCode).toBe(503);
      expect((await during('PUT', `${base}/secrets/NEW`, { value: 'must-not-apply' })).statusCode).toBe(503);
      expect((await during('DELETE', `${base}/secrets/K`)).statusCode).toBe(503);
      expect((await during('POST', '/api/v1/projects', { slug: 'ghost', name: 'Ghost' })).statusCode).toBe(503);
      // Straight from the store (reads still work): nothing changed.
      const env = await t.server.store.projects.getEnvironment((await t.server.store.projects.getBySlug('fc'))!.id, 'prod');
      expect(await t.server.store.secrets.get(env!.id, 'K')).toMatchObject({ version: 1, deleted: false });
      expect(await t.server.store.secrets.get(env!.id, 'NEW')).toBeNull();
      expect(await t.server.store.projects.getBySlug('ghost')).toBeNull();
    });

    it('/readyz also reports the last failed commit and since when', async () => {
      const r = await t.req('GET', '/readyz');
      expect(r.statusCode).toBe(503);
      expect(r.json().lastCommitFailure).toMatchObject({ reason: 'disk I/O error (injected)' });
      expect(new Date(r.json().lastCommitFailure.since).toISOString()).toBe(r.json().lastCommitFailure.since);
    });

    it('once the fault is gone everything works again: the old value and version, /readyz 200, writes apply', async () => {
      fault = null;
      const read = await t.req('GET', `${base}/secrets/K`, { token: t.adminToken });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ key: 'K', value: VALUE, version: 1 });
      const ready = await t.req('GET', '/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'ready', lastCommitFailure: null });
      const put = await t.req('PUT', `${base}/secrets/K`, { token: t.adminToken, body: { value: 'after' } });
      expect(put.json()).toMatchObject({ version: 2 });
      expect((await t.req('GET', `${base}/secrets/NEW`, { token: t.adminToken })).statusCode).toBe(404);
    });

    it('nothing done during the fault is in either log (it did not happen)', async () => {
      expect(faultIds.length).toBeGreaterThanOrEqual(7);
      for (const id of faultIds) {
        expect((await t.req('GET', `/api/v1/audit-logs?requestId=${id}`, { token: t.adminToken })).json().entries).toEqual([]);
        expect((await t.req('GET', `/api/v1/access-logs?requestId=${id}`, { token: t.adminToken })).json().entries).toEqual([]);
      }
    });
  });
}
