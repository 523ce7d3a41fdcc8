import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { auditFor, errorOf, rid } from './helpers.js';

/**
 * Failed-login throttling: an attempt counts when it starts (before the password hash is checked),
 * so concurrency cannot outrun it; the count lives in the store, so every node sees it; it locks an
 * (account, address) pair with an exponentially growing wait, and limits one address across accounts.
 */
const PROXY = '10.0.0.5';
const TRUSTING = { BELLA_TRUSTED_PROXIES: PROXY };
/**
 * Server time stands still in the burst tests: the first wait is 1 s, and a burst whose password
 * checks (scrypt) take longer than that on a busy machine would rightly let a sixth attempt through.
 */
const frozen = (): (() => Date) => {
  const at = new Date(Date.now());
  return () => at;
};

/** A login as seen from `ip` (through the trusted proxy's X-Forwarded-For). */
function loginFrom(t: TestServer, ip: string, email: string, password: string, id = rid('login')): Promise<LightMyRequestResponse> {
  return t.server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: PROXY,
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, 'x-request-id': id },
    payload: JSON.stringify({ email, password }),
  });
}

/** The one UserLoginFailed entry of a request, read through the store. */
async function failedEntry(t: TestServer, requestId: string): Promise<AuditEntry> {
  const rows = (await auditFor(t, requestId)).filter((e) => e.event === 'UserLoginFailed');
  expect(rows, `UserLoginFailed rows of ${requestId}`).toHaveLength(1);
  return rows[0] as AuditEntry;
}

/** Checks a 429: Retry-After in whole seconds, the same number in the message. */
function expectThrottled(r: LightMyRequestResponse): number {
  expect(r.statusCode, r.body).toBe(429);
  const e = errorOf(r);
  expect(e.code).toBe('too_many_attempts');
  const wait = Number(r.headers['retry-after']);
  expect(Number.isInteger(wait) && wait >= 1, `Retry-After ${String(r.headers['retry-after'])}`).toBe(true);
  expect(e.message).toContain(`retry in ${wait} s`);
  return wait;
}

/** Fires `n` wrong-password logins at once; returns the responses with their request ids. */
async function burst(t: TestServer, ip: string, email: string, n: number, tag: string) {
  const ids = Array.from({ length: n }, (_, i) => rid(`${tag}-${i}`));
  const rs = await Promise.all(ids.map((id) => loginFrom(t, ip, email, 'definitely-not-the-password', id)));
  return rs.map((r, i) => ({ r, id: ids[i] as string }));
}

for (const kind of await testStores()) {
  describe(`login throttling (${kind})`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ store: kind, env: TRUSTING, clock: frozen() });
    });
    afterAll(() => t.close());

    it('40 concurrent wrong passwords for one account: at most 5 are checked, the rest get 429 with Retry-After, and every try is audited', async () => {
      const out = await burst(t, '203.0.113.7', ADMIN_EMAIL, 40, 'burst');
      const wrong = out.filter((x) => x.r.statusCode === 401);
      const throttled = out.filter((x) => x.r.statusCode === 429);
      expect(wrong.length + throttled.length, out.map((x) => x.r.statusCode).join(',')).toBe(40);
      expect(wrong.length).toBeGreaterThanOrEqual(1);
      expect(wrong.length).toBeLessThanOrEqual(5);
      for (const x of wrong) expect(errorOf(x.r).code).toBe('invalid_credentials');
      for (const x of throttled) expectThrottled(x.r);

      for (const x of out) {
        const e = await failedEntry(t, x.id);
        expect(e.outcome).toBe('Denied');
        expect(e.reason).toBe(x.r.statusCode === 429 ? 'throttled' : 'wrong_password');
        expect(e.actor.email).toBe(ADMIN_EMAIL);
        expect(e.actor.ip).toBe('203.0.113.7');
        if (e.reason === 'throttled') expect(e.details.retryAfterSeconds).toBe(Number(x.r.headers['retry-after']));
      }
      // The same, counted straight from the store.
      const all = await t.server.store.auditLog.query({ events: ['UserLoginFailed'] }, 10_000);
      const ours = all.filter((e) => out.some((x) => x.id === e.requestId));
      expect(ours.filter((e) => e.reason === 'throttled')).toHaveLength(throttled.length);
      expect(ours.filter((e) => e.reason === 'wrong_password')).toHaveLength(wrong.length);
    });

    it('the right password from another address logs in while an attacker is throttled on the same account', async () => {
      const [attack, ok] = await Promise.all([burst(t, '203.0.113.8', ADMIN_EMAIL, 20, 'lock'), loginFrom(t, '198.51.100.20', ADMIN_EMAIL, ADMIN_PASSWORD)]);
      expect(attack.filter((x) => x.r.statusCode === 429).length).toBeGreaterThanOrEqual(15);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().token).toMatch(/^bst_/);
    });

    it('one address spraying many accounts is limited across accounts, and other addresses are not', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => rid(`spray-${i}`));
      const rs = await Promise.all(ids.map((id, i) => loginFrom(t, '192.0.2.99', `nobody-${i}@example.com`, 'guess-guess-guess', id)));
      const denied = rs.filter((r) => r.statusCode === 401);
      expect(denied.length).toBeGreaterThanOrEqual(1);
      expect(denied.length).toBeLessThanOrEqual(20);
      for (const r of rs.filter((x) => x.statusCode !== 401)) expectThrottled(r);
      for (const [i, r] of rs.entries()) {
        expect((await failedEntry(t, ids[i] as string)).reason).toBe(r.statusCode === 429 ? 'throttled' : 'unknown_account');
      }
      const other = await loginFrom(t, '192.0.2.100', 'nobody-0@example.com', 'guess-guess-guess');
      expect(other.statusCode, other.body).toBe(401);
    });
  });

  describe(`login throttling over time: exponential backoff, reset and success (${kind})`, () => {
    let t: TestServer;
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const advance = (ms: number) => void (now += ms);
    beforeAll(async () => {
      t = await startTestServer({ store: kind, env: TRUSTING, clock: () => new Date(now) });
      await t.user('carol@example.com');
    });
    afterAll(() => t.close());
    const wrong = (ip: string) => loginFrom(t, ip, 'carol@example.com', 'wrong-wrong-wrong');

    it('after 5 failures the pair waits 1 s, then 2 s, then 4 s; the wait is in Retry-After', async () => {
      const ip = '203.0.113.50';
      for (let i = 0; i < 5; i++) expect((await wrong(ip)).statusCode).toBe(401);
      expect(expectThrottled(await wrong(ip))).toBe(1);
      advance(1000);
      expect((await wrong(ip)).statusCode).toBe(401);
      expect(expectThrottled(await wrong(ip))).toBe(2);
      advance(1000);
      expect(expectThrottled(await wrong(ip))).toBe(1);
      advance(1000);
      expect((await wrong(ip)).statusCode).toBe(401);
      expect(expectThrottled(await wrong(ip))).toBe(4);
    });

    it('the wait is capped at 15 minutes, and 15 quiet minutes after the wait forget the failures', async () => {
      const ip = '203.0.113.51';
      for (let i = 0; i < 5; i++) expect((await wrong(ip)).statusCode).toBe(401);
      for (let i = 0; i < 14; i++) {
        // 15 minutes without a try (after the 1 s wait) reset the count: the pair gets its 5 tries again.
        advance(16 * 60_000);
        expect((await wrong(ip)).statusCode).toBe(401);
      }
      for (let i = 0; i < 4; i++) expect((await wrong(ip)).statusCode).toBe(401);
      let wait = 0;
      for (let i = 0; i < 14; i++) {
        wait = expectThrottled(await wrong(ip));
        expect(wait).toBeLessThanOrEqual(15 * 60);
        advance(wait * 1000);
        expect((await wrong(ip)).statusCode).toBe(401);
      }
      expect(wait).toBe(15 * 60);
    });

    it("while a pair waits even the right password from that address is refused; from another address it logs in", async () => {
      const ip = '203.0.113.53';
      for (let i = 0; i < 6; i++) await wrong(ip);
      expectThrottled(await loginFrom(t, ip, 'carol@example.com', 'pw-carol@example.com-long-enough'));
      const ok = await loginFrom(t, '198.51.100.53', 'carol@example.com', 'pw-carol@example.com-long-enough');
      expect(ok.statusCode, ok.body).toBe(200);
    });

    it('a successful login clears the count of its account from that address', async () => {
      const ip = '203.0.113.52';
      for (let i = 0; i < 4; i++) expect((await wrong(ip)).statusCode).toBe(401);
      const ok = await loginFrom(t, ip, 'carol@example.com', 'pw-carol@example.com-long-enough');
      expect(ok.statusCode, ok.body).toBe(200);
      for (let i = 0; i < 5; i++) expect((await wrong(ip)).statusCode).toBe(401);
      expectThrottled(await wrong(ip));
    });
  });
}

if ((await testStores()).includes('postgres')) {
  describe('two server nodes on one PostgreSQL database share the failed-login count', () => {
    let a: TestServer;
    let b: TestServer;
    beforeAll(async () => {
      const clock = frozen();
      a = await startTestServer({ store: 'postgres', env: TRUSTING, clock });
      b = await startTestServer({ store: 'postgres', env: { ...TRUSTING, BELLA_DATABASE_URL: a.database?.url as string }, clock });
    });
    afterAll(async () => {
      await b.close();
      await a.close();
    });

    it('failures on one node count on the other', async () => {
      const ip = '203.0.113.60';
      for (let i = 0; i < 3; i++) expect((await loginFrom(a, ip, ADMIN_EMAIL, 'wrong-on-a')).statusCode).toBe(401);
      for (let i = 0; i < 2; i++) expect((await loginFrom(b, ip, ADMIN_EMAIL, 'wrong-on-b')).statusCode).toBe(401);
      expectThrottled(await loginFrom(b, ip, ADMIN_EMAIL, 'wrong-on-b'));
      expectThrottled(await loginFrom(a, ip, ADMIN_EMAIL, 'wrong-on-a'));
    });

    it('20 concurrent wrong passwords on each node: at most 5 are checked in all', async () => {
      const ip = '203.0.113.61';
      const [ra, rb] = await Promise.all([burst(a, ip, ADMIN_EMAIL, 20, 'node-a'), burst(b, ip, ADMIN_EMAIL, 20, 'node-b')]);
      const all = [...ra, ...rb];
      const wrong = all.filter((x) => x.r.statusCode === 401);
      expect(wrong.length).toBeGreaterThanOrEqual(1);
      expect(wrong.length).toBeLessThanOrEqual(5);
      for (const x of all.filter((y) => y.r.statusCode !== 401)) expectThrottled(x.r);
      // Both nodes write to the one Audit Log: every try is there once.
      for (const x of all) expect((await failedEntry(a, x.id)).reason).toBe(x.r.statusCode === 429 ? 'throttled' : 'wrong_password');
    });
  });
}
