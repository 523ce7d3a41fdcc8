import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { oneAudit, rid, seedProject } from './helpers.js';

const base = '/api/v1/projects/api/environments/prod';

for (const kind of await testStores()) {
  describe(`secret versions (${kind})`, () => {
    let t: TestServer;
    let bob: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      bob = await t.user('bob@example.com', 'Bob');
      await seedProject(t, bob, 'api', ['prod']);
      for (const value of ['one', 'two']) await t.req('PUT', `${base}/secrets/K`, { token: bob, body: { value } });
      await t.req('DELETE', `${base}/secrets/K`, { token: bob });
      await t.req('PUT', `${base}/secrets/K`, { token: bob, body: { value: 'four' } });
    });
    afterAll(async () => t.close());

    it('an earlier version is read with ?version=N and the read is audited with that version', async () => {
      const id = rid('v1');
      const r = await t.req('GET', `${base}/secrets/K?version=1`, { token: bob, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ key: 'K', value: 'one', version: 1 });
      expect(await oneAudit(t, id)).toMatchObject({ event: 'SecretRead', resource: 'K', details: { version: 1 } });
      expect((await t.req('GET', `${base}/secrets/K`, { token: bob })).json()).toMatchObject({ value: 'four', version: 4 });
    });

    it('the deletion version and a version that never existed are 404s that say so', async () => {
      const del = await t.req('GET', `${base}/secrets/K?version=3`, { token: bob });
      expect(del.statusCode).toBe(404);
      expect(del.json().error.message).toContain('version 3 of K is the deletion');
      const none = await t.req('GET', `${base}/secrets/K?version=9`, { token: bob });
      expect(none.statusCode).toBe(404);
      expect(none.json().error.message).toContain('version 9 of secret K');
      const bad = await t.req('GET', `${base}/secrets/K?version=0`, { token: bob });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain('must be a version number');
    });

    it('a deleted secret says it was deleted and that earlier versions stay readable', async () => {
      await t.req('PUT', `${base}/secrets/GONE`, { token: bob, body: { value: 'x' } });
      await t.req('DELETE', `${base}/secrets/GONE`, { token: bob });
      const r = await t.req('GET', `${base}/secrets/GONE`, { token: bob });
      expect(r.statusCode).toBe(404);
      expect(r.json().error.message).toMatch(/was deleted \(version 2\).*\?version=N/);
    });

    it('the versions listing shows every version newest first, tombstones marked, never a value', async () => {
      const r = await t.req('GET', `${base}/secrets/K/versions`, { token: bob });
      expect(r.statusCode).toBe(200);
      const body = r.json() as { key: string; versions: { version: number; deleted: boolean; createdBy: string }[] };
      expect(body.versions.map((v) => [v.version, v.deleted, v.createdBy])).toEqual([
        [4, false, 'bob@example.com'], [3, true, 'bob@example.com'], [2, false, 'bob@example.com'], [1, false, 'bob@example.com'],
      ]);
      expect(r.body).not.toMatch(/one|two|four/);
      expect((await t.req('GET', `${base}/secrets/NOPE/versions`, { token: bob })).statusCode).toBe(404);
    });
  });
}
