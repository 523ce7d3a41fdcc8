import Database from 'better-sqlite3';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newE2EKeyPair, type E2EPayload } from '../../src/contract/e2ee.js';
import { parseApiKey, sdkSigningKey, sdkStringToSign } from '../../src/contract/signing.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { accessFor, auditFor, createKey, errorOf, oneAudit, rid, seedProject, signedHeaders } from './helpers.js';

/** Headers of a request signed as the published SDK signs (ISO timestamp to the second, hex secret as the HMAC key, no nonce). */
function sdkHeaders(key: string, method: string, url: string, body = '', now = new Date()): Record<string, string> {
  const parsed = parseApiKey(key);
  if (!parsed) throw new Error('not an API key');
  const u = new URL(url, 'http://localhost');
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sig = createHmac('sha256', sdkSigningKey(parsed.secret)).update(sdkStringToSign(method, u.pathname, u.search, ts, body)).digest('hex');
  return { 'x-bella-key-id': parsed.id, 'x-bella-timestamp': ts, 'x-bella-signature': sig, 'x-bella-client': 'bella-js-sdk' };
}

/** The routes and headers of the SDK's wire format, through app.inject() on each store. */
for (const kind of await testStores()) {
  describe(`the SDK's routes and headers (${kind})`, () => {
    let t: TestServer;
    let consumer: { id: string; key: string };
    let member: { id: string; key: string };
    const env = '/api/v1/projects/sdk/environments/prod';
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await seedProject(t, t.adminToken, 'sdk', ['prod', 'dev']);
      for (const [k, v] of [['DB_URL', 'postgres://sdk-value'], ['TOKEN', 'tok-1']]) {
        expect((await t.req('PUT', `${env}/secrets/${k}`, { token: t.adminToken, body: { value: v } })).statusCode).toBe(200);
      }
      consumer = await createKey(t, t.adminToken, 'sdk', 'prod', 'CONSUMER');
      member = await createKey(t, t.adminToken, 'sdk', 'prod', 'MEMBER');
    });
    afterAll(() => t.close());

    it('GET /api/v1/keys/me names the calling key, its role and scope; a user session is refused with 403 api_key_required', async () => {
      const r = await t.req('GET', '/api/v1/keys/me', { token: consumer.key });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual({ keyId: consumer.id, role: 'CONSUMER', projectSlug: 'sdk', environmentSlug: 'prod', kind: 'apiKey', expiresAt: null });
      const signed = await t.req('GET', '/api/v1/keys/me', { headers: sdkHeaders(member.key, 'GET', '/api/v1/keys/me') });
      expect(signed.json()).toEqual({ keyId: member.id, role: 'MEMBER', projectSlug: 'sdk', environmentSlug: 'prod', kind: 'apiKey', expiresAt: null });
      const id = rid('me-user');
      const u = await t.req('GET', '/api/v1/keys/me', { token: t.adminToken, headers: { 'x-request-id': id } });
      expect(u.statusCode).toBe(403);
      expect(errorOf(u).code).toBe('forbidden');
      expect((await auditFor(t, id)).map((e) => [e.event, e.outcome, e.reason])).toEqual([['AccessDenied', 'Denied', 'api_key_required']]);
      expect((await t.req('GET', '/api/v1/keys/me')).statusCode).toBe(401);
    });

    it('GET /api/v1/keys/me also describes a lease: its id, read-only role, scope and expiry', async () => {
      const other = '/api/v1/projects/sdk/environments/leasing';
      expect((await t.req('POST', '/api/v1/projects/sdk/environments', { token: t.adminToken, body: { slug: 'leasing', name: 'Leasing' } })).statusCode).toBe(201);
      const put = await t.req('PUT', `${other}/secrets/LEASED`, { token: t.adminToken, body: { value: 'v' } });
      expect(put.statusCode, put.body).toBe(200);
      const issued = await t.req('POST', `${other}/leases`, { token: t.adminToken, body: { scope: ['LEASED'], ttlSeconds: 600, reason: 'sdk discovery' } });
      expect(issued.statusCode, issued.body).toBe(201);
      const lease = issued.json() as { id: string; token: string; expiresAt: string };
      const me = await t.req('GET', '/api/v1/keys/me', { token: lease.token });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toMatchObject({ keyId: lease.id, kind: 'lease', projectSlug: 'sdk', environmentSlug: 'leasing', expiresAt: lease.expiresAt });
    });

    it('GET …/secrets returns every value in the SDK shape and is audited as SecretsBulkPulled (e2ee false)', async () => {
      const id = rid('all');
      const r = await t.req('GET', `${env}/secrets`, { token: consumer.key, headers: { 'x-request-id': id, 'x-app-client': 'billing' } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.json()).toEqual({ environmentSlug: 'prod', environmentName: 'prod', secrets: { DB_URL: 'postgres://sdk-value', TOKEN: 'tok-1' }, version: 2, lastModified: expect.any(String) });
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({ event: 'SecretsBulkPulled', resource: 'prod', actor: { type: 'ApiKey', id: consumer.id, client: 'billing' }, details: { count: 2, keys: ['DB_URL', 'TOKEN'], e2ee: false } });
      expect((await accessFor(t, id))[0]?.actor.client).toBe('billing');
    });

    it('the environment version grows with every write and delete, costs no audit entry, and an empty environment has version 0', async () => {
      const v = async (e = 'prod') => {
        const id = rid('ver');
        const r = await t.req('GET', `/api/v1/projects/sdk/environments/${e}/secrets/version`, { token: consumer.key, headers: { 'x-request-id': id } });
        // A read of no value: no entry, unless refused (then AccessDenied, as on every protected route).
        expect((await auditFor(t, id)).map((x) => [x.event, x.reason])).toEqual(r.statusCode === 200 ? [] : [['AccessDenied', 'api_key_scope']]);
        expect((await accessFor(t, id)).map((a) => a.status)).toEqual([r.statusCode]);
        return r;
      };
      const before = (await v()).json();
      expect(before).toEqual({ environmentSlug: 'prod', version: 2, lastModified: expect.any(String) });
      await t.req('PUT', `${env}/secrets/TOKEN`, { token: t.adminToken, body: { value: 'tok-2' } });
      expect((await v()).json().version).toBe(3);
      await t.req('PUT', `${env}/secrets/NEW`, { token: t.adminToken, body: { value: 'n' } });
      await t.req('DELETE', `${env}/secrets/NEW`, { token: t.adminToken });
      const after = (await v()).json();
      expect(after.version).toBe(5);
      expect(after.lastModified >= before.lastModified).toBe(true);
      const dev = await t.req('GET', '/api/v1/projects/sdk/environments/dev/secrets/version', { token: t.adminToken });
      expect(dev.json()).toMatchObject({ environmentSlug: 'dev', version: 0 });
      // The key belongs to prod: dev is refused, recorded as AccessDenied.
      expect((await v('dev')).statusCode).toBe(403);
      // A refused bulk read names the environment it targeted, like an accepted one.
      const id = rid('all-denied');
      expect((await t.req('GET', '/api/v1/projects/sdk/environments/dev/secrets', { token: consumer.key, headers: { 'x-request-id': id } })).statusCode).toBe(403);
      expect((await auditFor(t, id)).map((e) => [e.event, e.outcome, e.reason, e.resource])).toEqual([['SecretsBulkPulled', 'Denied', 'api_key_scope', 'dev']]);
    });

    it('with X-E2E-Public-Key the single read, GET …/secrets and the pull leave encrypted to that key, and their entries say e2ee: true', async () => {
      const pair = newE2EKeyPair();
      const cases = [
        ['GET', `${env}/secrets/DB_URL`, 'SecretRead', (p: any) => expect(p).toMatchObject({ key: 'DB_URL', value: 'postgres://sdk-value' })],
        ['GET', `${env}/secrets`, 'SecretsBulkPulled', (p: any) => expect(p.secrets.DB_URL).toBe('postgres://sdk-value')],
        ['POST', `${env}/pull`, 'SecretsBulkPulled', (p: any) => expect(p).toMatchObject({ count: 2, secrets: { DB_URL: 'postgres://sdk-value' } })],
      ] as const;
      for (const [method, url, event, check] of cases) {
        const id = rid('e2e');
        const r = await t.req(method, url, { token: consumer.key, headers: { 'x-request-id': id, 'x-e2e-public-key': pair.publicKeyB64 } });
        expect(r.statusCode, r.body).toBe(200);
        expect(r.body).not.toContain('sdk-value');
        const payload = r.json() as E2EPayload;
        expect(Object.keys(payload).sort()).toEqual(['algorithm', 'ciphertext', 'encrypted', 'nonce', 'serverPublicKey', 'tag']);
        expect(payload).toMatchObject({ encrypted: true, algorithm: 'ECDH-P256-HKDF-SHA256-AES256GCM' });
        check(pair.decrypt(payload));
        expect(await oneAudit(t, id)).toMatchObject({ event, details: { e2ee: true } });
        // Another key cannot read it; a fresh server key per response.
        expect(() => newE2EKeyPair().decrypt(payload)).toThrow();
      }
    });

    it('a malformed X-E2E-Public-Key is a 400 before anything is read (no read recorded)', async () => {
      const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      for (const bad of ['', 'not base64!', 'QUJD', p384, rsa, 'A'.repeat(5000), `${newE2EKeyPair().publicKeyB64}\u0001`]) {
        const id = rid('e2e-bad');
        const r = await t.req('GET', `${env}/secrets/DB_URL`, { token: consumer.key, headers: { 'x-request-id': id, 'x-e2e-public-key': bad } });
        expect(r.statusCode, bad.slice(0, 20)).toBe(400);
        expect(errorOf(r)).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('X-E2E-Public-Key') });
        expect(r.body).not.toContain('sdk-value');
        expect(await auditFor(t, id)).toEqual([]);
      }
    });

    it('X-App-Client, else X-Bella-Client, is actor.client on both logs and filterable; a malformed one is a 400', async () => {
      const a = rid('cl-app');
      await t.req('GET', `${env}/secrets/DB_URL`, { token: consumer.key, headers: { 'x-request-id': a, 'x-app-client': 'orders-api', 'x-bella-client': 'bella-js-sdk' } });
      const b = rid('cl-lib');
      await t.req('GET', `${env}/secrets/DB_URL`, { token: consumer.key, headers: { 'x-request-id': b, 'x-bella-client': 'bella-js-sdk' } });
      const c = rid('cl-none');
      await t.req('GET', `${env}/secrets/DB_URL`, { token: consumer.key, headers: { 'x-request-id': c } });
      expect((await oneAudit(t, a)).actor.client).toBe('orders-api');
      expect((await oneAudit(t, b)).actor.client).toBe('bella-js-sdk');
      expect((await oneAudit(t, c)).actor.client).toBeNull();
      const byClient = await t.req('GET', '/api/v1/audit-logs?client=orders-api', { token: t.adminToken });
      expect(byClient.json().entries.map((e: { requestId: string }) => e.requestId)).toEqual([a]);
      const access = await t.req('GET', '/api/v1/access-logs?client=orders-api', { token: t.adminToken });
      expect(access.json().entries.map((e: { requestId: string }) => e.requestId)).toContain(a);
      const csv = await t.req('GET', '/api/v1/audit-logs/export?format=csv&client=orders-api', { token: t.adminToken });
      // actor.client follows the product page's columns; reason, userAgent and details come after it (issue 20).
      expect(csv.body.split('\r\n')[0]).toMatch(/,requestId,actor\.client,reason,userAgent,details$/);
      expect(csv.body).toContain(',orders-api');
      for (const bad of ['has space', '-starts-with-dash', 'x'.repeat(129), 'tab\there', 'é']) {
        const r = await t.req('GET', `${env}/secrets/DB_URL`, { token: consumer.key, headers: { 'x-app-client': bad } });
        expect(r.statusCode, bad).toBe(400);
        expect(errorOf(r).message).toContain('X-App-Client');
        expect(r.body).not.toContain('sdk-value');
        const q = await t.req('GET', `/api/v1/audit-logs?client=${encodeURIComponent(bad)}`, { token: t.adminToken });
        expect(q.statusCode, bad).toBe(400);
      }
      expect((await t.req('GET', '/api/v1/projects', { token: t.adminToken, headers: { 'x-bella-client': 'a b' } })).statusCode).toBe(400);
    });

    it('an SDK-form signature (ISO timestamp) is accepted on GET and PUT; a one-byte change of either form is refused 401 bad_signature and audited', async () => {
      const url = `${env}/secrets/SIGNED`;
      const body = JSON.stringify({ value: 'signed-value' });
      const put = await t.req('PUT', url, { raw: body, headers: sdkHeaders(member.key, 'PUT', url, body) });
      expect(put.statusCode, put.body).toBe(200);
      const get = await t.req('GET', url, { headers: sdkHeaders(member.key, 'GET', url) });
      expect(get.json().value).toBe('signed-value');
      for (const headers of [sdkHeaders(member.key, 'PUT', url, body, new Date(Date.now() - 2000)), signedHeaders(member.key, 'PUT', url, body)]) {
        const id = rid('tamper');
        const tampered = body.replace('signed-value', 'signed-valuf');
        const r = await t.req('PUT', url, { raw: tampered, headers: { ...headers, 'x-request-id': id } });
        expect(r.statusCode, r.body).toBe(401);
        expect((await auditFor(t, id)).map((e) => [e.event, e.outcome, e.reason, e.actor.id])).toEqual([['SecretUpdated', 'Denied', 'bad_signature', null]]);
      }
      expect((await t.req('GET', url, { token: t.adminToken })).json()).toMatchObject({ value: 'signed-value', version: 1 });
    });

    it.runIf(kind === 'sqlite')('a key made before SDK signing (no wrapped SDK key) is refused in the SDK form as legacy_api_key, and still works in Bella\'s form', async () => {
      const old = await createKey(t, t.adminToken, 'sdk', 'prod', 'CONSUMER', 'old-key');
      // What migration 8 leaves for every existing key.
      const db = new Database(join(t.dataDir, 'bella.db'));
      db.prepare('UPDATE api_keys SET wrapped_sdk_key = NULL WHERE id = ?').run(old.id);
      db.close();
      const url = `${env}/secrets/DB_URL`;
      const id = rid('legacy');
      const r = await t.req('GET', url, { headers: { ...sdkHeaders(old.key, 'GET', url), 'x-request-id': id } });
      expect(r.statusCode).toBe(401);
      expect(errorOf(r).message).toBe('the API key or its signature is not valid');
      expect((await auditFor(t, id)).map((e) => [e.event, e.reason])).toEqual([['SecretRead', 'legacy_api_key']]);
      expect((await t.req('GET', url, { headers: signedHeaders(old.key, 'GET', url) })).statusCode).toBe(200);
    });

    it('malformed or stale SDK timestamps are refused as malformed_signature / signature_expired', async () => {
      const url = `${env}/secrets/DB_URL`;
      const good = sdkHeaders(consumer.key, 'GET', url);
      for (const ts of ['2026-13-45T99:99:99Z', '2026-01-01T00:00:00', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00+00:00', 'yesterday']) {
        const r = await t.req('GET', url, { headers: { ...good, 'x-bella-timestamp': ts } });
        expect(r.statusCode, ts).toBe(401);
        expect(errorOf(r).message).toContain('ISO 8601');
      }
      const old = sdkHeaders(consumer.key, 'GET', url, '', new Date(Date.now() - 3600_000));
      const id = rid('stale');
      expect((await t.req('GET', url, { headers: { ...old, 'x-request-id': id } })).statusCode).toBe(401);
      expect((await auditFor(t, id)).map((e) => e.reason)).toEqual(['signature_expired']);
    });

    it('replays: a nonce-less SDK PUT or plaintext read is single-use; version and keys/me may repeat; a value read repeats only with the same E2E key', async () => {
      const now = new Date();
      const putUrl = `${env}/secrets/REPLAY`;
      const body = JSON.stringify({ value: 'r' });
      const putH = sdkHeaders(member.key, 'PUT', putUrl, body, now);
      expect((await t.req('PUT', putUrl, { raw: body, headers: putH })).statusCode).toBe(200);
      const again = await t.req('PUT', putUrl, { raw: body, headers: putH });
      expect(again.statusCode).toBe(401);
      expect(errorOf(again).message).toContain('already used');
      for (const url of [`${env}/secrets/version`, '/api/v1/keys/me']) {
        const h = sdkHeaders(consumer.key, 'GET', url, '', now);
        for (let i = 0; i < 3; i++) expect((await t.req('GET', url, { headers: h })).statusCode, url).toBe(200);
      }
      const readUrl = `${env}/secrets/TOKEN`;
      const h = sdkHeaders(consumer.key, 'GET', readUrl, '', now);
      const mine = newE2EKeyPair();
      const first = await t.req('GET', readUrl, { headers: { ...h, 'x-e2e-public-key': mine.publicKeyB64 } });
      expect(first.statusCode).toBe(200);
      expect((await t.req('GET', readUrl, { headers: { ...h, 'x-e2e-public-key': mine.publicKeyB64 } })).statusCode).toBe(200);
      const id = rid('steal');
      const stolen = await t.req('GET', readUrl, { headers: { ...h, 'x-e2e-public-key': newE2EKeyPair().publicKeyB64, 'x-request-id': id } });
      expect(stolen.statusCode).toBe(401);
      expect((await auditFor(t, id)).map((e) => [e.event, e.reason])).toEqual([['SecretRead', 'signature_replayed']]);
      expect((await t.req('GET', readUrl, { headers: h })).statusCode).toBe(401);
      // A plaintext first use cannot be repeated at all, not even by adding a key afterwards.
      const plainUrl = `${env}/secrets/DB_URL`;
      const p = sdkHeaders(consumer.key, 'GET', plainUrl, '', now);
      expect((await t.req('GET', plainUrl, { headers: p })).statusCode).toBe(200);
      expect((await t.req('GET', plainUrl, { headers: { ...p, 'x-e2e-public-key': mine.publicKeyB64 } })).statusCode).toBe(401);
      // Bella's own form with a nonce never repeats, whatever the route.
      const n = signedHeaders(consumer.key, 'GET', `${env}/secrets/version`);
      expect((await t.req('GET', `${env}/secrets/version`, { headers: n })).statusCode).toBe(200);
      expect((await t.req('GET', `${env}/secrets/version`, { headers: n })).statusCode).toBe(401);
    });
  });
}
