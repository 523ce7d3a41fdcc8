import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/server.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { errorOf, oneAudit, rid, seedProject } from './helpers.js';

const base = '/api/v1/projects/lp/environments/prod';

/** A clock the test moves by hand (the server, its workers and the authenticator all read it). */
function manualClock(start = Date.parse('2026-12-04T10:00:00.000Z')) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => void (now += ms), set: (ms: number) => void (now = ms), get: () => now };
}

async function entries(t: TestServer, event: string): Promise<AuditEntry[]> {
  return t.server.store.auditLog.query({ events: [event as AuditEntry['event']] }, 1000);
}

for (const kind of await testStores()) {
  describe(`leases (${kind})`, () => {
    let t: TestServer;
    let owner: string;
    let consumer: string;
    const time = manualClock();
    beforeAll(async () => {
      t = await startTestServer({ store: kind, clock: time.clock, env: { BELLA_LEASE_SWEEP_SECONDS: '1' } });
      owner = await t.user('owner@example.com', 'Owner');
      consumer = await t.user('consumer@example.com', 'Consumer');
      await seedProject(t, owner, 'lp', ['prod', 'dev']);
      await t.req('PUT', '/api/v1/projects/lp/members/consumer@example.com', { token: owner, body: { role: 'CONSUMER' } });
      for (const [k, v] of [['DB_PASSWORD', 'lease-marker-db'], ['API_KEY', 'lease-marker-api'], ['OTHER', 'lease-marker-other']]) {
        await t.req('PUT', `${base}/secrets/${k}`, { token: owner, body: { value: v } });
      }
    });
    afterAll(async () => t.close());

    const issue = async (body: unknown, token = owner, id = rid('lease')) => t.req('POST', `${base}/leases`, { token, body, headers: { 'x-request-id': id } });

    it('issuing a lease answers 201 with a bax-lease- token shown once and records LeaseIssued with scope, TTL, reason and expiry', async () => {
      const id = rid('issue');
      const r = await issue({ scope: ['DB_PASSWORD', 'API_KEY'], ttlSeconds: 4 * 3600, reason: 'incident 123' }, owner, id);
      expect(r.statusCode, r.body).toBe(201);
      const l = r.json();
      expect(l.token).toMatch(new RegExp(`^bax-lease-${l.id}-[0-9a-f]{48}$`));
      expect(l).toMatchObject({ scope: ['DB_PASSWORD', 'API_KEY'], reason: 'incident 123', status: 'active', issuedBy: 'owner@example.com', expiresAt: new Date(time.get() + 4 * 3600_000).toISOString() });
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({
        event: 'LeaseIssued', outcome: 'Success', resource: l.id, projectSlug: 'lp', environmentSlug: 'prod', actor: { type: 'User', email: 'owner@example.com' },
        details: { scope: ['DB_PASSWORD', 'API_KEY'], ttlSeconds: 14400, ttl: '4h', reason: 'incident 123', expiresAt: l.expiresAt },
      });
      expect(JSON.stringify(e)).not.toContain(l.token.slice(27));
      const row = await t.server.store.issuedTokens.get(l.id);
      expect(JSON.stringify(row)).not.toContain(l.token.slice(27));
    });

    it('a lease reads its keys (audited as actor type Lease), and reading outside its scope, writing or other environments is Denied and audited', async () => {
      const l = (await issue({ scope: ['DB_PASSWORD'], ttlSeconds: 3600, reason: 'deploy' })).json();
      const ok = rid('lease-read');
      const r = await t.req('GET', `${base}/secrets/DB_PASSWORD`, { token: l.token, headers: { 'x-request-id': ok } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().value).toBe('lease-marker-db');
      expect(await oneAudit(t, ok)).toMatchObject({ event: 'SecretRead', outcome: 'Success', actor: { type: 'Lease', id: l.id, name: 'owner@example.com' } });
      const list = await t.req('GET', `${base}/secrets/manifest`, { token: l.token });
      expect(list.json().secrets.map((s: { key: string }) => s.key)).toEqual(['DB_PASSWORD']);
      // The SDK's bulk read (GET …/secrets) holds only the lease's keys too.
      const all = await t.req('GET', `${base}/secrets`, { token: l.token });
      expect(Object.keys(all.json().secrets)).toEqual(['DB_PASSWORD']);
      const pull = await t.req('POST', `${base}/pull`, { token: l.token });
      expect(pull.json()).toMatchObject({ count: 1, secrets: { DB_PASSWORD: 'lease-marker-db' } });

      const out = rid('lease-out');
      const o = await t.req('GET', `${base}/secrets/API_KEY`, { token: l.token, headers: { 'x-request-id': out } });
      expect(o.statusCode).toBe(403);
      expect(errorOf(o).message).toContain('does not cover API_KEY');
      expect(await oneAudit(t, out)).toMatchObject({ event: 'SecretRead', outcome: 'Denied', reason: 'lease_scope', resource: 'API_KEY', actor: { type: 'Lease', id: l.id } });
      const w = rid('lease-write');
      expect((await t.req('PUT', `${base}/secrets/DB_PASSWORD`, { token: l.token, body: { value: 'x' }, headers: { 'x-request-id': w } })).statusCode).toBe(403);
      expect(await oneAudit(t, w)).toMatchObject({ event: 'SecretUpdated', outcome: 'Denied', reason: 'lease_scope' });
      const dev = rid('lease-dev');
      expect((await t.req('GET', '/api/v1/projects/lp/environments/dev/secrets/DB_PASSWORD', { token: l.token, headers: { 'x-request-id': dev } })).statusCode).toBe(403);
      expect(await oneAudit(t, dev)).toMatchObject({ event: 'SecretRead', outcome: 'Denied', reason: 'lease_scope' });
      const mint = rid('lease-mint');
      expect((await t.req('POST', `${base}/leases`, { token: l.token, body: { scope: ['DB_PASSWORD'], ttlSeconds: 60, reason: 'x' }, headers: { 'x-request-id': mint } })).statusCode).toBe(403);
      expect(await oneAudit(t, mint)).toMatchObject({ event: 'LeaseIssued', outcome: 'Denied' });
      const who = await t.req('GET', '/api/v1/auth/whoami', { token: l.token });
      expect(who.json().credential).toEqual({ kind: 'lease', id: l.id, role: 'CONSUMER', projectSlug: 'lp', environmentSlug: 'prod', expiresAt: l.expiresAt, scope: ['DB_PASSWORD'] });
    });

    it('a revoked lease is refused on the very next request; LeaseRevoked records who and why; revoking again changes nothing', async () => {
      const l = (await issue({ scope: ['API_KEY'], ttlSeconds: 3600, reason: 'support' })).json();
      expect((await t.req('GET', `${base}/secrets/API_KEY`, { token: l.token })).statusCode).toBe(200);
      const rev = rid('revoke');
      const r = await t.req('DELETE', `${base}/leases/${l.id}`, { token: owner, body: { reason: 'done early' }, headers: { 'x-request-id': rev } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ status: 'revoked', revokedBy: 'owner@example.com', revokeReason: 'done early' });
      expect(await oneAudit(t, rev)).toMatchObject({ event: 'LeaseRevoked', resource: l.id, details: { revokedBy: 'owner@example.com', reason: 'done early' } });
      const after = rid('after-revoke');
      const a = await t.req('GET', `${base}/secrets/API_KEY`, { token: l.token, headers: { 'x-request-id': after } });
      expect(a.statusCode).toBe(401);
      expect(await oneAudit(t, after)).toMatchObject({ event: 'SecretRead', outcome: 'Denied', reason: 'lease_revoked', actor: { type: 'Lease', id: l.id } });
      const again = rid('revoke-again');
      const ag = await t.req('DELETE', `${base}/leases/${l.id}`, { token: owner, headers: { 'x-request-id': again } });
      expect(ag.statusCode, ag.body).toBe(200);
      expect((await t.server.store.auditLog.query({ requestId: again, events: ['LeaseRevoked'] }, 10)).length).toBe(0);
    });

    it('a lease is refused one second after it expires, and the worker records LeaseExpired (System) within its sweep', async () => {
      const l = (await issue({ scope: ['OTHER'], ttlSeconds: 60, reason: 'short' })).json();
      time.advance(59_000);
      expect((await t.req('GET', `${base}/secrets/OTHER`, { token: l.token })).statusCode).toBe(200);
      time.advance(2_000);
      const late = rid('late');
      const r = await t.req('GET', `${base}/secrets/OTHER`, { token: l.token, headers: { 'x-request-id': late } });
      expect(r.statusCode).toBe(401);
      expect(errorOf(r).message).toContain(`expired at ${l.expiresAt}`);
      expect(await oneAudit(t, late)).toMatchObject({ event: 'SecretRead', outcome: 'Denied', reason: 'lease_expired' });
      let expired: AuditEntry | undefined;
      for (let i = 0; i < 60 && !expired; i++) {
        expired = (await entries(t, 'LeaseExpired')).find((e) => e.resource === l.id);
        if (!expired) await new Promise((res) => setTimeout(res, 100));
      }
      expect(expired).toMatchObject({ actor: { type: 'System' }, projectSlug: 'lp', environmentSlug: 'prod', details: { expiresAt: l.expiresAt, scope: ['OTHER'], issuedBy: 'owner@example.com', reason: 'short' } });
      await new Promise((res) => setTimeout(res, 1500));
      expect((await entries(t, 'LeaseExpired')).filter((e) => e.resource === l.id)).toHaveLength(1);
      const list = (await t.req('GET', `${base}/leases?status=expired`, { token: owner })).json().leases;
      expect(list.map((x: { id: string }) => x.id)).toContain(l.id);
    });

    it('the lease policy bounds the TTL; changing it is audited and needs a key manager', async () => {
      const p = rid('policy');
      const r = await t.req('PUT', `${base}/lease-policy`, { token: owner, body: { maxTtlSeconds: 7200 }, headers: { 'x-request-id': p } });
      expect(r.statusCode, r.body).toBe(200);
      expect(await oneAudit(t, p)).toMatchObject({ event: 'LeasePolicyChanged', resource: 'prod', details: { maxTtlSeconds: 7200, maxTtl: '2h', previousMaxTtlSeconds: 86400 } });
      const long = await issue({ scope: ['OTHER'], ttlSeconds: 7201, reason: 'too long' });
      expect(long.statusCode).toBe(400);
      expect(errorOf(long).message).toContain('at most 7200 s (2h)');
      expect((await issue({ scope: ['OTHER'], ttlSeconds: 7200, reason: 'ok' })).statusCode).toBe(201);
      const denied = rid('policy-denied');
      expect((await t.req('PUT', `${base}/lease-policy`, { token: consumer, body: { maxTtlSeconds: 60 }, headers: { 'x-request-id': denied } })).statusCode).toBe(403);
      expect(await oneAudit(t, denied)).toMatchObject({ event: 'LeasePolicyChanged', outcome: 'Denied', reason: 'insufficient_role' });
      expect((await t.req('GET', `${base}/lease-policy`, { token: consumer })).json()).toMatchObject({ maxTtlSeconds: 7200, custom: true });
    });

    it('a consumer cannot issue leases; bad input gets a clear 400 and nothing is issued', async () => {
      const c = rid('consumer-issue');
      expect((await issue({ scope: ['OTHER'], ttlSeconds: 60, reason: 'x' }, consumer, c)).statusCode).toBe(403);
      expect(await oneAudit(t, c)).toMatchObject({ event: 'LeaseIssued', outcome: 'Denied', reason: 'insufficient_role' });
      const bad: [unknown, string][] = [
        [{ scope: [], ttlSeconds: 60, reason: 'x' }, 'at least one'],
        [{ scope: ['OTHER'], ttlSeconds: 59, reason: 'x' }, 'at least 60'],
        [{ scope: ['OTHER'], ttlSeconds: 60, reason: '' }, 'must not be empty'],
        [{ scope: ['OTHER'], ttlSeconds: 60, reason: 'a\u202eb' }, 'control characters'],
        [{ scope: ['bad key!'], ttlSeconds: 60, reason: 'x' }, 'secret key'],
        [{ scope: ['OTHER', 'OTHER'], ttlSeconds: 60, reason: 'x' }, 'twice'],
        [{ scope: ['OTHER'], ttlSeconds: 1e12, reason: 'x' }, 'at most'],
        [{ scope: ['OTHER'], ttlSeconds: 60, reason: 'x'.repeat(501) }, 'at most 500'],
      ];
      const before = (await t.server.store.issuedTokens.list((await t.server.store.projects.getEnvironment((await t.server.store.projects.getBySlug('lp'))!.id, 'prod'))!.id, 'lease', 1000)).length;
      for (const [body, msg] of bad) {
        const r = await issue(body);
        expect(r.statusCode, JSON.stringify(body)).toBe(400);
        expect(errorOf(r).message).toContain(msg);
      }
      const missing = await issue({ scope: ['NOPE'], ttlSeconds: 60, reason: 'x' });
      expect(missing.statusCode).toBe(404);
      const after = (await t.server.store.issuedTokens.list((await t.server.store.projects.getEnvironment((await t.server.store.projects.getBySlug('lp'))!.id, 'prod'))!.id, 'lease', 1000)).length;
      expect(after).toBe(before);
      const forged = await t.req('GET', `${base}/secrets/OTHER`, { token: `bax-lease-${'0'.repeat(16)}-${'0'.repeat(48)}` });
      expect(forged.statusCode).toBe(401);
    });

    it('expire-all ends every active lease with one LeaseRevoked each; list shows active, expired and revoked with who, why and when', async () => {
      const a = (await issue({ scope: ['OTHER'], ttlSeconds: 600, reason: 'a' })).json();
      const b = (await issue({ scope: ['API_KEY'], ttlSeconds: 600, reason: 'b' })).json();
      const id = rid('expire-all');
      const r = await t.req('POST', `${base}/leases/expire-all`, { token: owner, body: { reason: 'rotation' }, headers: { 'x-request-id': id } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().revoked).toEqual(expect.arrayContaining([a.id, b.id]));
      const rows = (await t.server.store.auditLog.query({ requestId: id }, 100)).filter((e) => e.event === 'LeaseRevoked');
      expect(rows.map((e) => e.resource)).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(rows[0]?.details).toMatchObject({ reason: 'rotation', expireAll: true });
      expect((await t.req('GET', `${base}/secrets/OTHER`, { token: a.token })).statusCode).toBe(401);
      const leases = (await t.req('GET', `${base}/leases`, { token: owner })).json().leases as { status: string }[];
      expect(new Set(leases.map((l) => l.status))).toEqual(new Set(['revoked', 'expired']));
      expect((await t.req('GET', `${base}/leases?status=active`, { token: owner })).json().leases).toEqual([]);
    });
  });
}

describe('lease expiry across a restart', () => {
  it('a lease that expired while the server was down gets its LeaseExpired at the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bella-lease-restart-'));
    const time = manualClock();
    const config = loadConfig({ BELLA_DATA_DIR: dataDir, BELLA_ADMIN_EMAIL: ADMIN_EMAIL, BELLA_ADMIN_PASSWORD: ADMIN_PASSWORD, BELLA_LOG_LEVEL: 'silent' });
    try {
      let server = await createServer(config, { clock: time.clock });
      const inject = async (method: string, url: string, token: string | null, body?: unknown) =>
        server.app.inject({ method: method as 'GET', url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });
      const token = (await inject('POST', '/api/v1/auth/login', null, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).json().token as string;
      await inject('POST', '/api/v1/projects', token, { slug: 'rs', name: 'RS' });
      await inject('POST', '/api/v1/projects/rs/environments', token, { slug: 'prod', name: 'Prod' });
      await inject('PUT', '/api/v1/projects/rs/environments/prod/secrets/K', token, { value: 'v' });
      const l = (await inject('POST', '/api/v1/projects/rs/environments/prod/leases', token, { scope: ['K'], ttlSeconds: 120, reason: 'restart' })).json();
      expect(l.id).toMatch(/^[0-9a-f]{16}$/);
      await server.close();
      time.advance(3600_000);
      server = await createServer(config, { clock: time.clock });
      let found: AuditEntry[] = [];
      for (let i = 0; i < 50 && found.length === 0; i++) {
        found = (await server.store.auditLog.query({ events: ['LeaseExpired'] }, 10)).filter((e) => e.resource === l.id);
        if (found.length === 0) await new Promise((res) => setTimeout(res, 50));
      }
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ actor: { type: 'System' }, details: { expiresAt: l.expiresAt } });
      await server.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
