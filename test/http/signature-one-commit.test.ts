import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import type { Store } from '../../src/store/types.js';
import { createKey, rid, seedProject, signedHeaders } from './helpers.js';

/**
 * A signed request's single use is claimed inside the request's own unit of work (replay-guard.ts):
 * a signed read commits one unit, the one that holds its audit and access rows and the claim together,
 * so it waits for one group commit like a Bearer read (it used to claim in a unit of its own first).
 */
for (const kind of await testStores()) {
  describe(`a signed request commits its signature's use with its own rows (${kind})`, () => {
    let t: TestServer;
    const units: { work: boolean; audit: number; access: number }[] = [];
    let counting = false;
    const url = '/api/v1/projects/oc/environments/prod/secrets/ONE';
    beforeAll(async () => {
      t = await startTestServer({
        store: kind,
        wrapStore: (s: Store) => ({
          ...s,
          // Counted once the batch ran: a unit's audit list grows while its work runs.
          commitBatch: async (us) => {
            const c = counting;
            const out = await s.commitBatch(us);
            if (c) for (const u of us) units.push({ work: !!u.work, audit: u.audit.length, access: u.access.length });
            return out;
          },
        }),
      });
      await seedProject(t, t.adminToken, 'oc', ['prod']);
      expect((await t.req('PUT', url, { token: t.adminToken, body: { value: 'one-commit' } })).statusCode).toBe(200);
    });
    afterAll(() => t.close());

    it('a signed read is one unit: the claim, its SecretRead entry and its access row', async () => {
      const key = await createKey(t, t.adminToken, 'oc', 'prod', 'CONSUMER');
      const h = signedHeaders(key.key, 'GET', url);
      counting = true;
      const r = await t.req('GET', url, { headers: { ...h, 'x-request-id': rid('one-commit') } });
      counting = false;
      expect(r.statusCode, r.body).toBe(200);
      expect(units).toEqual([{ work: true, audit: 1, access: 1 }]);
      expect(await t.server.store.signatureUses.count()).toBeGreaterThan(0);
    });

    it('a signed write claims in the unit of its change; the access row follows alone', async () => {
      const key = await createKey(t, t.adminToken, 'oc', 'prod', 'MEMBER', 'writer');
      const body = JSON.stringify({ value: 'two' });
      units.length = 0;
      counting = true;
      const r = await t.req('PUT', url, { raw: body, headers: { ...signedHeaders(key.key, 'PUT', url, body), 'x-request-id': rid('one-commit-put') } });
      counting = false;
      expect(r.statusCode, r.body).toBe(200);
      expect(units).toEqual([{ work: true, audit: 1, access: 0 }, { work: false, audit: 0, access: 1 }]);
    });
  });
}
