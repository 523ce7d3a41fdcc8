import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { auditFor, createKey, rid, seedProject } from './helpers.js';
import { routesOf } from './routes.js';

/** A concrete URL for a route pattern, inside the fixture project. */
function urlOf(pattern: string, keyId: string): string {
  const url = pattern
    .replace(':project', 'guard')
    .replace(':env', 'prod')
    .replace(':key', 'DB_URL')
    .replace(':email', 'target@example.com')
    .replace(':name', 'gh')
    .replace(':id', keyId);
  // Log reads name the project, so a non-member is refused rather than shown an empty page.
  return url.startsWith('/api/v1/audit-logs') || url.startsWith('/api/v1/access-logs') ? `${url}?project=guard` : url;
}

/** A body that would pass validation, so only the credentials decide. */
const BODIES: Readonly<Record<string, unknown>> = {
  'POST /api/v1/users': { email: 'new@example.com', name: 'New', password: 'a-long-password' },
  'POST /api/v1/projects': { slug: 'fresh', name: 'Fresh' },
  'POST /api/v1/projects/:project/environments': { slug: 'qa', name: 'QA' },
  'PUT /api/v1/projects/:project/members/:email': { role: 'OWNER' },
  'PUT /api/v1/projects/:project/environments/:env/members/:email': { role: 'CONSUMER' },
  'PUT /api/v1/projects/:project/environments/:env/secrets/:key': { value: 'v' },
  'POST /api/v1/projects/:project/environments/:env/api-keys': { name: 'k', role: 'CONSUMER' },
  'PUT /api/v1/admin/retention': { auditDays: 400 },
  'POST /api/v1/projects/:project/access-reviews/:id/decisions': { grant: 1, decision: 'keep', rationale: 'still needed' },
  'POST /api/v1/reports/subject': { email: 'target@example.com' },
  'POST /api/v1/admin/subjects/erase': { email: 'target@example.com' },
  'POST /api/v1/reports': { framework: 'soc2', since: '2026-01-01', until: '2026-01-02', project: 'guard' },
  'POST /api/v1/projects/:project/environments/:env/ssh/roles': { name: 'deploy', allowedPrincipals: ['deploy'] },
  'POST /api/v1/projects/:project/environments/:env/ssh/sign': { publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0bOAY8Q9P3pQ1B6nh0k9KBxPnQjq4sX2kRNJOZcW3T x', role: 'deploy' },
  'POST /api/v1/projects/:project/environments/:env/credential-leases': { provider: 'pg-x', ttlSeconds: 600, reason: 'r' },
  'POST /api/v1/providers': { name: 'pg-x', type: 'PostgresDynamic', configuration: { host: '127.0.0.1', database: 'postgres', username: 'postgres' } },
};

/** Routes a signed-in user without any membership may still use (their answer is theirs alone). */
const OPEN_TO_ANY_USER = new Set(['GET /api/v1/projects', 'POST /api/v1/projects', 'GET /api/v1/auth/whoami', 'POST /api/v1/auth/logout', 'GET /api/v1/audit-streams']);

for (const kind of await testStores()) {
  describe(`every refused request to a protected route is in the Audit Log (${kind})`, () => {
    let t: TestServer;
    let routes: string[];
    let outsider: string;
    let revoked: string;
    let keyId: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await seedProject(t, t.adminToken, 'guard', ['prod']);
      await t.user('target@example.com');
      outsider = await t.user('outsider@example.com');
      const k = await createKey(t, t.adminToken, 'guard', 'prod', 'CONSUMER');
      keyId = k.id;
      revoked = k.key;
      expect((await t.req('DELETE', `/api/v1/api-keys/${k.id}`, { token: t.adminToken })).statusCode).toBe(204);
      // Public: the login and the keyless exchange, whose refusals are UserLoginFailed and TrustTokenRejected (auth-routes, trust-tokens tests).
      routes = routesOf(t.server.app.printRoutes({ commonPrefix: false })).filter((r) => r.includes(' /api/') && r !== 'POST /api/v1/auth/login' && r !== 'POST /api/v1/token');
    });
    afterAll(() => t.close());

    const credentials = (): [string, Record<string, string>, number, string][] => [
      ['no credentials', {}, 401, 'unauthenticated'],
      ['a malformed Authorization header', { authorization: 'Basic Zm9vOmJhcg==' }, 401, 'malformed_authorization'],
      ['an unknown session', { authorization: `Bearer bst_${'0'.repeat(64)}` }, 401, 'invalid_session'],
      ['a malformed bearer token', { authorization: 'Bearer not-a-token' }, 401, 'malformed_token'],
      ['a revoked API key', { authorization: `Bearer ${revoked}` }, 401, 'api_key_revoked'],
    ];

    it('no, bad, unknown and revoked credentials: 401 and one Denied entry with the reason and what was attempted', async () => {
      expect(routes.length).toBeGreaterThan(25);
      const missing: string[] = [];
      for (const route of routes) {
        const [method, pattern] = route.split(' ') as [string, string];
        for (const [label, headers, status, reason] of credentials()) {
          const id = rid(`${method}-${label}`);
          const r = await t.req(method, urlOf(pattern, keyId), { headers: { ...headers, 'x-request-id': id }, body: BODIES[route] });
          const rows = await auditFor(t, id);
          const ok = r.statusCode === status && rows.length === 1 && rows[0]?.outcome === 'Denied' && rows[0]?.reason === reason && (rows[0]?.details as { request?: string }).request === route;
          if (!ok) missing.push(`${route} with ${label}: ${r.statusCode} ${JSON.stringify(rows.map((e) => [e.event, e.outcome, e.reason, e.details]))}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it('a signed-in user with no right: 403 and one Denied entry (before a bad body is even looked at)', async () => {
      const missing: string[] = [];
      for (const route of routes.filter((r) => !OPEN_TO_ANY_USER.has(r))) {
        const [method, pattern] = route.split(' ') as [string, string];
        for (const raw of [undefined, '{not json']) {
          const id = rid(`${method}-outsider`);
          const r = await t.req(method, urlOf(pattern, keyId), { token: outsider, headers: { 'x-request-id': id }, ...(raw && BODIES[route] ? { raw } : { body: BODIES[route] }) });
          const rows = await auditFor(t, id);
          // GET /keys/me describes an API key: every user session is refused there, members or not.
          const reasons = route === 'GET /api/v1/keys/me' ? /^api_key_required$/ : /^(not_a_member|admin_required|stream_owner_required)$/;
          const ok = r.statusCode === 403 && rows.length === 1 && rows[0]?.outcome === 'Denied' && reasons.test(rows[0]?.reason ?? '');
          if (!ok) missing.push(`${route}${raw && BODIES[route] ? ' (bad body)' : ''}: ${r.statusCode} ${r.body.slice(0, 120)} ${JSON.stringify(rows.map((e) => [e.event, e.reason]))}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it('a Denied entry names what was attempted (the role asked for) and never a value or password', async () => {
      const id = rid('attempt');
      const r = await t.req('PUT', '/api/v1/projects/guard/members/target@example.com', { token: outsider, body: { role: 'OWNER' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(403);
      expect((await auditFor(t, id))[0]).toMatchObject({ event: 'MemberAdded', outcome: 'Denied', resource: 'target@example.com', details: { request: 'PUT /api/v1/projects/:project/members/:email', role: 'OWNER' } });
      const sid = rid('attempt-secret');
      await t.req('PUT', '/api/v1/projects/guard/environments/prod/secrets/K', { token: outsider, body: { value: 'marker-value-1234' }, headers: { 'x-request-id': sid } });
      const uid = rid('attempt-user');
      await t.req('POST', '/api/v1/users', { token: outsider, body: { email: 'x@example.com', name: 'X', password: 'marker-password-1234' }, headers: { 'x-request-id': uid } });
      const text = JSON.stringify([...(await auditFor(t, sid)), ...(await auditFor(t, uid))]);
      expect(text).not.toContain('marker-value-1234');
      expect(text).not.toContain('marker-password-1234');
      expect(text).toContain('x@example.com');
    });
  });
}
