import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { ISO_MS, accessFor, auditFor, createKey, errorOf, oneAudit, rid, seedProject, signedHeaders } from './helpers.js';

const base = '/api/v1/projects/api/environments/prod';

for (const kind of await testStores()) {
  describe(`API key routes (${kind})`, () => {
    let t: TestServer;
    let bob: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      bob = await t.user('bob@example.com', 'Bob');
      await seedProject(t, bob, 'api', ['prod', 'dev']);
      await t.req('PUT', `${base}/secrets/TOKEN`, { token: bob, body: { value: 'v-1' } });
    });
    afterAll(async () => t.close());

    it('creating a key answers 201 with the key shown once in bax- format and writes ApiKeyCreated without it', async () => {
      const id = rid('mkkey');
      const r = await t.req('POST', `${base}/api-keys`, { token: bob, body: { name: 'ci', role: 'CONSUMER' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(201);
      const k = r.json();
      expect(k).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{16}$/), key: expect.stringMatching(/^bax-[0-9a-f]{16}-[0-9a-f]{48}$/), name: 'ci', role: 'CONSUMER',
        projectSlug: 'api', environmentSlug: 'prod', createdAt: expect.stringMatching(ISO_MS), createdBy: 'bob@example.com', revokedAt: null,
      });
      expect(k.key.startsWith(`bax-${k.id}-`)).toBe(true);
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({ event: 'ApiKeyCreated', resource: k.id, projectSlug: 'api', environmentSlug: 'prod', details: { name: 'ci', role: 'CONSUMER' } });
      expect(JSON.stringify(e)).not.toContain(k.key.slice(21));
    });

    it('the role defaults to CONSUMER and listing shows keys without their secret', async () => {
      const r = await t.req('POST', `${base}/api-keys`, { token: bob, body: { name: 'default-role' } });
      expect(r.json().role).toBe('CONSUMER');
      const list = await t.req('GET', `${base}/api-keys`, { token: bob });
      expect(list.statusCode).toBe(200);
      const keys = list.json().apiKeys as Record<string, unknown>[];
      expect(keys.map((k) => k.name)).toEqual(expect.arrayContaining(['ci', 'default-role']));
      for (const k of keys) expect(k).not.toHaveProperty('key');
      expect(list.body).not.toMatch(/bax-[0-9a-f]{16}-[0-9a-f]{48}/);
    });

    it('a bearer API key reads a secret, and SecretRead names the key as an ApiKey actor', async () => {
      const k = await createKey(t, bob, 'api', 'prod', 'CONSUMER', 'bearer');
      const id = rid('bearer');
      const r = await t.req('GET', `${base}/secrets/TOKEN`, { token: k.key, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(200);
      expect(r.json().value).toBe('v-1');
      expect(await oneAudit(t, id)).toMatchObject({ event: 'SecretRead', actor: { type: 'ApiKey', id: k.id, email: null, name: 'bearer', ip: '127.0.0.1' } });
      const who = await t.req('GET', '/api/v1/auth/whoami', { token: k.key });
      expect(who.json()).toEqual({ actor: { type: 'ApiKey', id: k.id, email: null, name: 'bearer' }, admin: false, apiKey: { id: k.id, projectSlug: 'api', environmentSlug: 'prod', role: 'CONSUMER' },
        credential: { kind: 'apiKey', id: k.id, projectSlug: 'api', environmentSlug: 'prod', role: 'CONSUMER', expiresAt: null, scope: null },
      });
    });

    it('an HMAC-signed request with a MEMBER key writes a secret; the signature covers the body', async () => {
      const k = await createKey(t, bob, 'api', 'prod', 'MEMBER', 'signer');
      const url = `${base}/secrets/SIGNED`;
      const body = JSON.stringify({ value: 'signed-value' });
      const id = rid('signed');
      const r = await t.req('PUT', url, { raw: body, headers: { ...signedHeaders(k.key, 'PUT', url, body), 'x-request-id': id } });
      expect(r.statusCode, r.body).toBe(200);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'SecretCreated', actor: { type: 'ApiKey', id: k.id } });

      const tampered = await t.req('PUT', url, { raw: JSON.stringify({ value: 'evil' }), headers: signedHeaders(k.key, 'PUT', url, body) });
      expect(tampered.statusCode).toBe(401);
      expect(errorOf(tampered).message).toBe('the API key or its signature is not valid');
      expect((await t.req('GET', url, { token: bob })).json().value).toBe('signed-value');
    });

    it('a signed GET with a query string verifies over the sorted query', async () => {
      const k = await createKey(t, bob, 'api', 'prod', 'AUDITOR', 'auditor');
      const url = '/api/v1/audit-logs?project=api&event=SecretRead&limit=5';
      const r = await t.req('GET', url, { headers: signedHeaders(k.key, 'GET', url) });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().entries.length).toBeGreaterThan(0);
    });

    it('a signature older than the allowed skew is refused with the skew in the message, and the refusal is audited', async () => {
      const k = await createKey(t, bob, 'api', 'prod', 'CONSUMER', 'old');
      const url = `${base}/secrets/TOKEN`;
      const id = rid('skew');
      const r = await t.req('GET', url, { headers: { ...signedHeaders(k.key, 'GET', url, '', new Date(Date.now() - 3600_000)), 'x-request-id': id } });
      expect(r.statusCode).toBe(401);
      expect(errorOf(r).message).toMatch(/the request timestamp is \d+ s away from the server clock \(at most 300 s allowed\)/);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'SecretRead', outcome: 'Denied', reason: 'signature_expired' });
    });

    it('a revoked key is refused on the very next request (bearer and signed) and each refusal is audited', async () => {
      const k = await createKey(t, bob, 'api', 'prod', 'CONSUMER', 'to-revoke');
      const url = `${base}/secrets/TOKEN`;
      expect((await t.req('GET', url, { token: k.key })).statusCode).toBe(200);
      const rev = rid('revoke');
      const r = await t.req('DELETE', `/api/v1/api-keys/${k.id}`, { token: bob, headers: { 'x-request-id': rev } });
      expect(r.statusCode).toBe(204);
      expect(await oneAudit(t, rev)).toMatchObject({ event: 'ApiKeyRevoked', resource: k.id, projectSlug: 'api', environmentSlug: 'prod', details: { name: 'to-revoke', role: 'CONSUMER' } });

      const next = rid('after-revoke');
      const refused = await t.req('GET', url, { token: k.key, headers: { 'x-request-id': next } });
      expect(refused.statusCode).toBe(401);
      expect(errorOf(refused)).toMatchObject({ code: 'unauthenticated', message: 'the API key has been revoked' });
      expect(refused.body).not.toContain('v-1');
      expect(await oneAudit(t, next)).toMatchObject({ event: 'SecretRead', outcome: 'Denied', reason: 'api_key_revoked', resource: 'TOKEN', actor: { type: 'ApiKey', id: k.id, name: 'to-revoke' } });
      expect((await accessFor(t, next))[0]).toMatchObject({ status: 401, actor: { type: 'ApiKey', id: k.id } });

      const signed = rid('after-revoke-signed');
      const s = await t.req('POST', `${base}/pull`, { headers: { ...signedHeaders(k.key, 'POST', `${base}/pull`), 'x-request-id': signed } });
      expect(s.statusCode).toBe(401);
      expect(await oneAudit(t, signed)).toMatchObject({ event: 'SecretsBulkPulled', outcome: 'Denied', reason: 'api_key_revoked' });
      const listed = (await t.req('GET', `${base}/api-keys`, { token: bob })).json().apiKeys.find((x: { id: string }) => x.id === k.id);
      expect(listed.revokedAt).toMatch(ISO_MS);
    });

    it('revoking an already revoked key is an idempotent 204 that writes nothing new', async () => {
      const k = await createKey(t, bob, 'api', 'prod', 'CONSUMER', 'twice');
      await t.req('DELETE', `/api/v1/api-keys/${k.id}`, { token: bob });
      const id = rid('revoke-again');
      expect((await t.req('DELETE', `/api/v1/api-keys/${k.id}`, { token: bob, headers: { 'x-request-id': id } })).statusCode).toBe(204);
      expect(await auditFor(t, id)).toEqual([]);
    });

    it('revoking an unknown key id is 404', async () => {
      const r = await t.req('DELETE', '/api/v1/api-keys/0123456789abcdef', { token: bob });
      expect(r.statusCode).toBe(404);
      expect(errorOf(r).message).toBe('API key 0123456789abcdef not found');
    });

    it('an API key cannot create projects or manage keys: it needs a user session', async () => {
      const k = await createKey(t, bob, 'api', 'prod', 'MEMBER', 'limited');
      const id = rid('key-mkproj');
      const r = await t.req('POST', '/api/v1/projects', { token: k.key, body: { slug: 'other', name: 'Other' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(403);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'ProjectCreated', outcome: 'Denied', reason: 'api_key_not_allowed' });
      const mk = rid('key-mkkey');
      expect((await t.req('POST', `${base}/api-keys`, { token: k.key, body: { name: 'child' }, headers: { 'x-request-id': mk } })).statusCode).toBe(403);
      expect(await oneAudit(t, mk)).toMatchObject({ event: 'ApiKeyCreated', outcome: 'Denied', reason: 'insufficient_role' });
    });

    it('a key with a wrong secret is refused as invalid_api_key', async () => {
      const k = await createKey(t, bob, 'api', 'prod', 'CONSUMER', 'wrong');
      const forged = `${k.key.slice(0, -4)}0000`;
      const id = rid('forged-key');
      const r = await t.req('GET', `${base}/secrets/TOKEN`, { token: forged === k.key ? `${k.key.slice(0, -4)}1111` : forged, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(401);
      expect(await oneAudit(t, id)).toMatchObject({ outcome: 'Denied', reason: 'invalid_api_key' });
    });
  });
}
