import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { accessFor, errorOf, rid, seedProject } from './helpers.js';

/**
 * Every request that reaches the server gets the error envelope, a request id and an access row,
 * also those Fastify refuses before routing; and every documented name fits in a URL.
 */
for (const kind of await testStores()) {
  describe(`every request is answered in the envelope and logged (${kind})`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await seedProject(t, t.adminToken, 'urls', ['prod']);
    });
    afterAll(() => t.close());

    const expectLogged = async (r: Awaited<ReturnType<TestServer['req']>>, status: number, code: string) => {
      expect(r.statusCode, r.body).toBe(status);
      expect(errorOf(r).code).toBe(code);
      const id = r.headers['x-request-id'] as string;
      expect(id).toBeTruthy();
      expect(errorOf(r).requestId).toBe(id);
      const rows = await accessFor(t, id);
      expect(rows.map((a) => a.status)).toEqual([status]);
      return rows[0];
    };

    it('a path that is not valid percent-encoded UTF-8 is a 400 in the envelope with its access row', async () => {
      const id = rid('bad-url');
      const r = await t.req('GET', '/api/v1/projects/urls/environments/prod/secrets/%ff', { token: t.adminToken, headers: { 'x-request-id': id } });
      expect(r.headers['x-request-id']).toBe(id);
      const row = await expectLogged(r, 400, 'validation_failed');
      expect(row?.path).toBe('/api/v1/projects/urls/environments/prod/secrets/%ff');
    });

    it('a path segment over 1,024 characters is a 414 in the envelope with its access row', async () => {
      const r = await t.req('GET', `/api/v1/projects/urls/environments/prod/secrets/${'A'.repeat(1100)}`, { token: t.adminToken });
      await expectLogged(r, 414, 'uri_too_long');
    });

    it('a secret key of the documented maximum (256 characters) and a long email work in URLs', async () => {
      const key = `K${'x'.repeat(255)}`;
      const put = await t.req('PUT', `/api/v1/projects/urls/environments/prod/secrets/${key}`, { token: t.adminToken, body: { value: 'v' } });
      expect(put.statusCode, put.body).toBe(200);
      const get = await t.req('GET', `/api/v1/projects/urls/environments/prod/secrets/${key}`, { token: t.adminToken });
      expect(get.statusCode, get.body).toBe(200);
      const email = `${'a'.repeat(120)}@example.com`;
      await t.user(email);
      const add = await t.req('PUT', `/api/v1/projects/urls/members/${encodeURIComponent(email)}`, { token: t.adminToken, body: { role: 'MEMBER' } });
      expect(add.statusCode, add.body).toBe(200);
      const del = await t.req('DELETE', `/api/v1/projects/urls/members/${encodeURIComponent(email)}`, { token: t.adminToken });
      expect(del.statusCode, del.body).toBe(204);
    });
  });
}
