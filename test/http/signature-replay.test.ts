import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { auditFor, createKey, errorOf, rid, seedProject, signedHeaders } from './helpers.js';

/**
 * A signed API-key request is accepted once: within the clock-skew window a captured request could
 * otherwise be sent again. The store records each signature used (across nodes on PostgreSQL).
 */
for (const kind of await testStores()) {
  describe(`a signed request is accepted only once (${kind})`, () => {
    let t: TestServer;
    let key: { id: string; key: string };
    const base = '/api/v1/projects/rp/environments/prod/secrets';
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await seedProject(t, t.adminToken, 'rp', ['prod']);
      key = await createKey(t, t.adminToken, 'rp', 'prod', 'MEMBER');
    });
    afterAll(() => t.close());

    const send = (method: string, url: string, headers: Record<string, string>, raw?: string, id = rid('sig')) =>
      t.req(method, url, { raw, headers: { ...headers, 'x-request-id': id } });

    const versions = async (name: string): Promise<number[]> => {
      const r = await t.req('GET', `${base}/${name}/versions`, { token: t.adminToken });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { versions: { version: number }[] }).versions.map((v) => v.version);
    };

    const expectReplayRefused = async (r: LightMyRequestResponse, id: string, event: string) => {
      expect(r.statusCode, r.body).toBe(401);
      const e = errorOf(r);
      expect(e.code).toBe('unauthenticated');
      expect(e.message).toContain('already used');
      const rows = await auditFor(t, id);
      expect(rows.map((x) => [x.event, x.outcome, x.reason])).toEqual([[event, 'Denied', 'signature_replayed']]);
      expect(rows[0]?.actor).toMatchObject({ type: 'ApiKey', id: key.id });
    };

    it('a replayed signed PUT is refused with 401 signature_replayed, audited, and writes no second version', async () => {
      const url = `${base}/DB_URL`;
      const body = JSON.stringify({ value: 'postgres://one' });
      const h = signedHeaders(key.key, 'PUT', url, body);
      const first = await send('PUT', url, h, body);
      expect(first.statusCode, first.body).toBe(200);
      const id = rid('replay-put');
      await expectReplayRefused(await send('PUT', url, h, body, id), id, 'SecretUpdated');
      expect(await versions('DB_URL')).toEqual([1]);
    });

    it('a replayed signed GET is refused the same way, and a fresh signature of the same request passes', async () => {
      const url = `${base}/DB_URL`;
      const h = signedHeaders(key.key, 'GET', url);
      const first = await send('GET', url, h);
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json().value).toBe('postgres://one');
      const id = rid('replay-get');
      const again = await send('GET', url, h, undefined, id);
      await expectReplayRefused(again, id, 'SecretRead');
      expect(again.body).not.toContain('postgres://one');
      // Signed again (another timestamp, so another signature): a new request, accepted.
      const fresh = await send('GET', url, signedHeaders(key.key, 'GET', url, '', new Date(Date.now() - 2000)));
      expect(fresh.statusCode, fresh.body).toBe(200);
      const body = JSON.stringify({ value: 'postgres://two' });
      const put = await send('PUT', url, signedHeaders(key.key, 'PUT', url, body, new Date(Date.now() - 3000)), body);
      expect(put.statusCode, put.body).toBe(200);
      expect(await versions('DB_URL')).toEqual([2, 1]);
    });

    it('concurrent identical signed requests: exactly one passes, each other one is refused and audited', async () => {
      const url = `${base}/RACE`;
      const body = JSON.stringify({ value: 'race-value' });
      const h = signedHeaders(key.key, 'PUT', url, body);
      const ids = Array.from({ length: 12 }, (_, i) => rid(`race-put-${i}`));
      const rs = await Promise.all(ids.map((id) => send('PUT', url, h, body, id)));
      expect(rs.filter((r) => r.statusCode === 200), rs.map((r) => r.statusCode).join(',')).toHaveLength(1);
      for (const [i, r] of rs.entries()) if (r.statusCode !== 200) await expectReplayRefused(r, ids[i] as string, 'SecretUpdated');
      expect(await versions('RACE')).toEqual([1]);

      const g = signedHeaders(key.key, 'GET', url);
      const gets = await Promise.all(Array.from({ length: 12 }, () => send('GET', url, g)));
      expect(gets.filter((r) => r.statusCode === 200).map((r) => r.json().value)).toEqual(['race-value']);
      expect(gets.filter((r) => r.statusCode === 401)).toHaveLength(11);
    });

    it('identical requests in the same second with their own nonces both pass; reusing a nonce is a replay', async () => {
      const { deriveSigningKey, parseApiKey, signRequest } = await import('../../src/contract/signing.js');
      const k = parseApiKey(key.key) as { id: string; secret: string };
      const url = `${base}/NONCED`;
      expect((await t.req('PUT', url, { token: t.adminToken, body: { value: 'n' } })).statusCode).toBe(200);
      const ts = String(Math.floor(Date.now() / 1000));
      const headers = (nonce: string) => ({
        'x-bella-key-id': k.id, 'x-bella-timestamp': ts, 'x-bella-nonce': nonce,
        'x-bella-signature': signRequest(deriveSigningKey(k.secret), 'GET', url, '', ts, '', nonce),
      });
      expect((await send('GET', url, headers('nonce-aaaaaaaaaaaa-1'))).statusCode).toBe(200);
      expect((await send('GET', url, headers('nonce-aaaaaaaaaaaa-2'))).statusCode).toBe(200);
      const id = rid('nonce-replay');
      await expectReplayRefused(await send('GET', url, headers('nonce-aaaaaaaaaaaa-1'), undefined, id), id, 'SecretRead');
      const bad = await send('GET', url, { ...headers('nonce-aaaaaaaaaaaa-3'), 'x-bella-nonce': 'short' });
      expect(bad.statusCode).toBe(401);
      expect(errorOf(bad).message).toContain('X-Bella-Nonce');
    });
  });
}
