import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { ISO_MS, auditFor, errorOf, oneAudit, rid, seedProject } from './helpers.js';

const base = '/api/v1/projects/api/environments/prod';

for (const kind of await testStores()) {
  describe(`secret routes (${kind})`, () => {
    let t: TestServer;
    let bob: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      bob = await t.user('bob@example.com', 'Bob');
      await seedProject(t, bob, 'api', ['prod', 'dev']);
    });
    afterAll(async () => t.close());

    it('setting a new secret answers version 1, created, and writes SecretCreated without the value', async () => {
      const id = rid('set');
      const r = await t.req('PUT', `${base}/secrets/DB_URL`, { token: bob, body: { value: 'postgres://u:hunter2@db/x' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ key: 'DB_URL', version: 1, created: true });
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({
        event: 'SecretCreated', outcome: 'Success', projectSlug: 'api', environmentSlug: 'prod', resource: 'DB_URL', requestId: id,
        actor: { type: 'User', email: 'bob@example.com', name: 'Bob', ip: '127.0.0.1' }, details: { version: 1, bytes: 25 },
      });
      expect(JSON.stringify(e)).not.toContain('hunter2');
    });

    it('updating a secret increments its version and writes SecretUpdated', async () => {
      const id = rid('update');
      const r = await t.req('PUT', `${base}/secrets/DB_URL`, { token: bob, body: { value: 'postgres://u:hunter3@db/x' }, headers: { 'x-request-id': id } });
      expect(r.json()).toEqual({ key: 'DB_URL', version: 2, created: false });
      expect(await oneAudit(t, id)).toMatchObject({ event: 'SecretUpdated', resource: 'DB_URL', details: { version: 2 } });
    });

    it('reading a secret returns key, value, version and updatedAt and writes SecretRead', async () => {
      const id = rid('get');
      const r = await t.req('GET', `${base}/secrets/DB_URL`, { token: bob, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ key: 'DB_URL', value: 'postgres://u:hunter3@db/x', version: 2, updatedAt: expect.stringMatching(ISO_MS) });
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({ event: 'SecretRead', resource: 'DB_URL', projectSlug: 'api', environmentSlug: 'prod', details: { version: 2 } });
      expect(JSON.stringify(e)).not.toContain('hunter3');
    });

    it('listing secrets returns keys and versions, never values, and writes no audit row', async () => {
      await t.req('PUT', `${base}/secrets/API_TOKEN`, { token: bob, body: { value: 'tok-123' } });
      const id = rid('list');
      const r = await t.req('GET', `${base}/secrets/manifest`, { token: bob, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(200);
      const secrets = r.json().secrets as Record<string, unknown>[];
      expect(secrets.map((s) => s.key).sort()).toEqual(['API_TOKEN', 'DB_URL']);
      for (const s of secrets) expect(Object.keys(s).sort()).toEqual(['key', 'updatedAt', 'updatedBy', 'version']);
      expect(secrets.find((s) => s.key === 'DB_URL')).toMatchObject({ version: 2, updatedBy: 'bob@example.com' });
      expect(r.body).not.toContain('hunter3');
      expect(await auditFor(t, id)).toEqual([]);
    });

    it('secrets are per environment', async () => {
      const r = await t.req('GET', '/api/v1/projects/api/environments/dev/secrets/DB_URL', { token: bob });
      expect(r.statusCode).toBe(404);
      expect(errorOf(r).message).toBe('secret DB_URL in api/dev not found');
    });

    it('pulling returns every value and writes exactly one SecretsBulkPulled with the count and key names', async () => {
      const id = rid('pull');
      const r = await t.req('POST', `${base}/pull`, { token: bob, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ projectSlug: 'api', environmentSlug: 'prod', count: 2, secrets: { DB_URL: 'postgres://u:hunter3@db/x', API_TOKEN: 'tok-123' } });
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({ event: 'SecretsBulkPulled', projectSlug: 'api', environmentSlug: 'prod', resource: 'prod' });
      expect(e.details.count).toBe(2);
      expect([...(e.details.keys as string[])].sort()).toEqual(['API_TOKEN', 'DB_URL']);
      expect(JSON.stringify(e)).not.toMatch(/hunter3|tok-123/);
    });

    it('deleting a secret answers 204, writes SecretDeleted, and the secret is gone from get, list and pull', async () => {
      const id = rid('del');
      const r = await t.req('DELETE', `${base}/secrets/API_TOKEN`, { token: bob, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(204);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'SecretDeleted', resource: 'API_TOKEN', details: { version: 1 } });
      expect((await t.req('GET', `${base}/secrets/API_TOKEN`, { token: bob })).statusCode).toBe(404);
      expect((await t.req('GET', `${base}/secrets/manifest`, { token: bob })).json().secrets.map((s: { key: string }) => s.key)).toEqual(['DB_URL']);
      expect((await t.req('GET', `${base}/secrets`, { token: bob })).json().secrets).toEqual({ DB_URL: 'postgres://u:hunter3@db/x' });
      expect((await t.req('POST', `${base}/pull`, { token: bob })).json()).toMatchObject({ count: 1 });
    });

    it('deleting a missing secret is 404 and writes nothing', async () => {
      const id = rid('del404');
      const r = await t.req('DELETE', `${base}/secrets/API_TOKEN`, { token: bob, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(404);
      expect(await auditFor(t, id)).toEqual([]);
    });

    it('versions keep counting across a delete: setting a deleted key again is SecretCreated with a higher version', async () => {
      const id = rid('recreate');
      const r = await t.req('PUT', `${base}/secrets/API_TOKEN`, { token: bob, body: { value: 'tok-456' }, headers: { 'x-request-id': id } });
      const v = r.json().version as number;
      expect(r.json()).toMatchObject({ created: true });
      expect(v).toBeGreaterThan(1);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'SecretCreated', details: { version: v } });
      expect((await t.req('GET', `${base}/secrets/API_TOKEN`, { token: bob })).json()).toMatchObject({ value: 'tok-456', version: v });
    });

    it('a value of exactly 64 KiB is accepted and one byte more is refused with 413 and a clear message', async () => {
      const ok = await t.req('PUT', `${base}/secrets/BIG`, { token: bob, body: { value: 'x'.repeat(65536) } });
      expect(ok.statusCode).toBe(200);
      const id = rid('toobig');
      const r = await t.req('PUT', `${base}/secrets/BIG`, { token: bob, body: { value: 'x'.repeat(65537) }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(413);
      expect(errorOf(r)).toMatchObject({ code: 'payload_too_large', message: 'the secret value is 65537 bytes; the limit is 65536 bytes (64 KiB)' });
      expect(await auditFor(t, id)).toEqual([]);
      expect((await t.req('GET', `${base}/secrets/BIG`, { token: bob })).json().version).toBe(1);
    });

    it('the 64 KiB limit counts UTF-8 bytes, not characters', async () => {
      const r = await t.req('PUT', `${base}/secrets/EMOJI`, { token: bob, body: { value: '€'.repeat(21846) } });
      expect(r.statusCode).toBe(413);
      expect(errorOf(r).message).toContain('65538 bytes');
    });

    it('values round-trip byte for byte, including newlines and non-ASCII', async () => {
      const value = '-----BEGIN KEY-----\nabc\r\n\u00e9\u4e2d\ud83d\udd11\n-----END KEY-----\n';
      await t.req('PUT', `${base}/secrets/PEM`, { token: bob, body: { value } });
      expect((await t.req('GET', `${base}/secrets/PEM`, { token: bob })).json().value).toBe(value);
    });
  });
}
