import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { auditFor, createKey, errorOf, rid, seedProject, signedHeaders } from './helpers.js';

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

    it("a revoked key refused on a route without a project (whoami, the CLI's first call) is recorded in the key's own project", async () => {
      const k = await createKey(t, t.adminToken, 'hard', 'prod', 'CONSUMER', 'soon-revoked');
      expect((await t.req('DELETE', `/api/v1/api-keys/${k.id}`, { token: t.adminToken })).statusCode).toBe(204);
      const id = rid('revoked-whoami');
      expect((await t.req('GET', '/api/v1/auth/whoami', { token: k.key, headers: { 'x-request-id': id } })).statusCode).toBe(401);
      expect(await auditFor(t, id)).toMatchObject([{ outcome: 'Denied', reason: 'api_key_revoked', projectSlug: 'hard', environmentSlug: 'prod', actor: { type: 'ApiKey', id: k.id } }]);
      // On a route that names a project, the path's project is kept.
      const id2 = rid('revoked-path');
      expect((await t.req('GET', '/api/v1/projects/hard/environments/prod/secrets/A', { token: k.key, headers: { 'x-request-id': id2 } })).statusCode).toBe(401);
      expect(await auditFor(t, id2)).toMatchObject([{ event: 'SecretRead', reason: 'api_key_revoked', projectSlug: 'hard', environmentSlug: 'prod' }]);
    });

    it('an AUDITOR listing secret keys is refused, and the Denied entry names the environment and the right it lacked', async () => {
      const auditor = await t.user('auditor-hard@example.com');
      expect((await t.req('PUT', '/api/v1/projects/hard/members/auditor-hard@example.com', { token: t.adminToken, body: { role: 'AUDITOR' } })).statusCode).toBe(200);
      const id = rid('auditor-list');
      expect((await t.req('GET', '/api/v1/projects/hard/environments/prod/secrets/manifest', { token: auditor, headers: { 'x-request-id': id } })).statusCode).toBe(403);
      const [e] = await auditFor(t, id);
      expect(e).toMatchObject({ outcome: 'Denied', reason: 'insufficient_role', projectSlug: 'hard', environmentSlug: 'prod' });
      expect(JSON.stringify(e?.details)).toContain('secret.list');
    });

    it('an unknown key id and a known key with a bad signature get the same answer; the audit entry keeps the difference', async () => {
      const k = await createKey(t, t.adminToken, 'hard', 'prod', 'CONSUMER', 'probe');
      const url = '/api/v1/projects/hard/environments/prod/secrets/A';
      const unknown = signedHeaders(`bax-${'f'.repeat(16)}-${'a'.repeat(48)}`, 'GET', url);
      const bad = { ...signedHeaders(k.key, 'GET', url), 'x-bella-signature': '0'.repeat(64) };
      const [a, b] = [rid('unknown-key'), rid('bad-sig')];
      const ra = await t.req('GET', url, { headers: { ...unknown, 'x-request-id': a } });
      const rb = await t.req('GET', url, { headers: { ...bad, 'x-request-id': b } });
      expect([ra.statusCode, rb.statusCode]).toEqual([401, 401]);
      const strip = (r: typeof ra) => ({ ...errorOf(r), requestId: null });
      expect(strip(ra)).toEqual(strip(rb));
      expect((await auditFor(t, a))[0]?.reason).toBe('invalid_api_key');
      expect((await auditFor(t, b))[0]?.reason).toBe('bad_signature');
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

for (const kind of await testStores()) {
  describe(`the instance admin reads secrets only through a membership (${kind})`, () => {
    let t: TestServer;
    let owner: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      owner = await t.user('owner@example.com');
      await seedProject(t, owner, 'private', ['prod']);
      expect((await t.req('PUT', '/api/v1/projects/private/environments/prod/secrets/DB_URL', { token: owner, body: { value: 'postgres://private' } })).statusCode).toBe(200);
    });
    afterAll(() => t.close());

    it('cannot mint a CONSUMER or MEMBER key in a project it is not a member of; the refusal is audited', async () => {
      for (const role of ['CONSUMER', 'MEMBER']) {
        const r = await t.req('POST', '/api/v1/projects/private/environments/prod/api-keys', { token: t.adminToken, body: { name: `peek-${role}`, role } });
        expect(r.statusCode, r.body).toBe(403);
        expect(errorOf(r).message).toContain('not a member of project private');
        const [denied] = await t.server.store.auditLog.query({ events: ['ApiKeyCreated'], outcome: 'Denied', requestId: r.headers['x-request-id'] as string }, 5);
        expect(denied).toMatchObject({ reason: 'not_a_member', details: { role, name: `peek-${role}` } });
      }
    });

    it('may still mint an AUDITOR key, list and revoke keys there (administration, no secret value)', async () => {
      const r = await t.req('POST', '/api/v1/projects/private/environments/prod/api-keys', { token: t.adminToken, body: { name: 'audit', role: 'AUDITOR' } });
      expect(r.statusCode, r.body).toBe(201);
      const id = (r.json() as { id: string }).id;
      expect((await t.req('GET', '/api/v1/projects/private/environments/prod/api-keys', { token: t.adminToken })).statusCode).toBe(200);
      expect((await t.req('DELETE', `/api/v1/api-keys/${id}`, { token: t.adminToken })).statusCode).toBe(204);
    });

    it('break-glass: after adding itself as a member (audited MemberAdded) it can mint a key and read', async () => {
      const add = await t.req('PUT', '/api/v1/projects/private/members/admin@example.com', { token: t.adminToken, body: { role: 'CONSUMER' } });
      expect(add.statusCode, add.body).toBe(200);
      const [entry] = await t.server.store.auditLog.query({ events: ['MemberAdded'], requestId: add.headers['x-request-id'] as string }, 5);
      expect(entry).toMatchObject({ outcome: 'Success', resource: 'admin@example.com', actor: { email: 'admin@example.com' }, details: { role: 'CONSUMER' } });
      const key = await t.req('POST', '/api/v1/projects/private/environments/prod/api-keys', { token: t.adminToken, body: { name: 'glass', role: 'CONSUMER' } });
      expect(key.statusCode, key.body).toBe(201);
      const read = await t.req('GET', '/api/v1/projects/private/environments/prod/secrets/DB_URL', { headers: { authorization: `Bearer ${(key.json() as { key: string }).key}` } });
      expect(read.statusCode).toBe(200);
    });
  });
}
