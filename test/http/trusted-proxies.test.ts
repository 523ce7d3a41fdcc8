import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';

/** actor.ip as the logs record it for a request from `from` carrying X-Forwarded-For. */
async function loggedIp(t: TestServer, from: string, forwarded: string, id: string): Promise<{ access: unknown; audit: unknown }> {
  await t.server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: from,
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwarded, 'x-request-id': id },
    payload: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }),
  });
  const access = await t.req('GET', `/api/v1/access-logs?requestId=${id}`, { token: t.adminToken });
  const audit = await t.req('GET', `/api/v1/audit-logs?requestId=${id}`, { token: t.adminToken });
  return { access: access.json().entries[0]?.actor.ip, audit: audit.json().entries[0]?.actor.ip };
}

for (const kind of await testStores()) {
  describe(`actor.ip and BELLA_TRUSTED_PROXIES (${kind})`, () => {
    let trusting: TestServer;
    let plain: TestServer;
    beforeAll(async () => {
      trusting = await startTestServer({ store: kind, env: { BELLA_TRUSTED_PROXIES: '10.0.0.5' } });
      plain = await startTestServer({ store: kind });
    });
    afterAll(async () => {
      await trusting.close();
      await plain.close();
    });

    it('a trusted proxy may name the client with X-Forwarded-For, in both logs', async () => {
      expect(await loggedIp(trusting, '10.0.0.5', '203.0.113.7', 'xff-trusted')).toEqual({ access: '203.0.113.7', audit: '203.0.113.7' });
    });

    it('any other peer cannot: its own socket address is recorded', async () => {
      expect(await loggedIp(trusting, '10.0.0.9', '203.0.113.7', 'xff-untrusted')).toEqual({ access: '10.0.0.9', audit: '10.0.0.9' });
    });

    it('without trusted proxies X-Forwarded-For is ignored entirely', async () => {
      expect(await loggedIp(plain, '10.0.0.5', '203.0.113.7', 'xff-none')).toEqual({ access: '10.0.0.5', audit: '10.0.0.5' });
    });
  });
}
