import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { errorOf, seedProject } from './helpers.js';

/** Attacks from the hardening review that the HTTP API must hold against, on both stores. */
for (const kind of await testStores()) {
  describe(`hardening (${kind})`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await seedProject(t, t.adminToken, 'hard', ['prod']);
    });
    afterAll(() => t.close());

    it('a secret named __proto__ is pulled like any other key (count and keys agree)', async () => {
      const base = '/api/v1/projects/hard/environments/prod';
      for (const [k, v] of [['__proto__', 'proto-value'], ['constructor', 'c'], ['toString', 't'], ['A', 'a']]) {
        expect((await t.req('PUT', `${base}/secrets/${k}`, { token: t.adminToken, body: { value: v } })).statusCode).toBe(200);
      }
      const r = await t.req('POST', `${base}/pull`, { token: t.adminToken });
      expect(r.statusCode, r.body).toBe(200);
      const body = JSON.parse(r.body) as { count: number; secrets: Record<string, string> };
      expect(body.count).toBe(4);
      expect(Object.keys(body.secrets).sort()).toEqual(['A', '__proto__', 'constructor', 'toString']);
      expect(Object.getOwnPropertyDescriptor(body.secrets, '__proto__')?.value).toBe('proto-value');
    });

    it('a cursor of non-ASCII characters is a 400 invalid_cursor, not a 500', async () => {
      const first = (await t.req('GET', '/api/v1/audit-logs?limit=1', { token: t.adminToken })).json() as { nextCursor: string };
      const [body] = first.nextCursor.split('.') as [string];
      const r = await t.req('GET', `/api/v1/audit-logs?cursor=${encodeURIComponent(`${body}.${'é'.repeat(22)}`)}`, { token: t.adminToken });
      expect(r.statusCode, r.body).toBe(400);
      expect(errorOf(r).code).toBe('invalid_cursor');
    });
  });
}
