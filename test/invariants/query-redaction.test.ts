import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { findMarker, newMarker } from './leak-search.js';

/**
 * The Access Log keeps a request's path with query names, and values only for known filter names
 * (project, since, event, …) because those help investigations. A value the server refused is not
 * known to be a filter value at all — it can be anything pasted into the wrong flag — so it is left out.
 */
for (const kind of await testStores()) {
  describe(`query values in the Access Log (${kind})`, () => {
    let t: TestServer;
    const marker = newMarker();
    const lower = marker.toLowerCase(); // also shaped like a slug
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
    });
    afterAll(async () => t.close());

    const pathOf = async (requestId: string) => {
      const r = await t.req('GET', `/api/v1/access-logs?requestId=${requestId}`, { token: t.adminToken });
      return (r.json().entries as { path: string }[]).map((e) => e.path);
    };

    it('values of unknown query names are always left out, names kept', async () => {
      await t.req('GET', `/api/v1/projects?token=${marker}&password=${marker}`, { token: t.adminToken, headers: { 'x-request-id': 'q-unknown' } });
      expect(await pathOf('q-unknown')).toEqual(['/api/v1/projects?token=&password=']);
    });

    it('accepted filter values are kept, so investigators see what was asked', async () => {
      const r = await t.req('GET', '/api/v1/audit-logs?event=SecretRead&since=7d&limit=5', { token: t.adminToken, headers: { 'x-request-id': 'q-ok' } });
      expect(r.statusCode).toBe(200);
      expect(await pathOf('q-ok')).toEqual(['/api/v1/audit-logs?event=SecretRead&since=7d&limit=5']);
    });

    it.each([
      ['since', marker], ['until', marker], ['event', marker], ['actorType', marker], ['limit', marker], ['outcome', marker],
      ['environment', marker], ['project', lower], ['status', marker], ['method', marker],
    ])('a refused value of the filter %s never lands in the Access Log', async (name, value) => {
      const id = `q-bad-${name}`;
      const log = name === 'status' || name === 'method' ? 'access-logs' : 'audit-logs';
      const r = await t.req('GET', `/api/v1/${log}?${name}=${encodeURIComponent(value)}`, { token: t.adminToken, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBeGreaterThanOrEqual(400);
      const paths = await pathOf(id);
      expect(paths).toEqual([`/api/v1/${log}?${name}=`]);
      expect(findMarker(id, Buffer.from(paths.join('\n')), value)).toEqual([]);
    });

    it('a request refused before validation (no credentials) keeps no filter value either', async () => {
      const r = await t.req('GET', `/api/v1/audit-logs?since=7d&actor=${marker}`, { headers: { 'x-request-id': 'q-401' } });
      expect(r.statusCode).toBe(401);
      expect(await pathOf('q-401')).toEqual(['/api/v1/audit-logs?since=&actor=']);
    });
  });
}
