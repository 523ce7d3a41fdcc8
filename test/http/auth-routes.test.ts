import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { ISO_MS, accessFor, auditFor, errorOf, oneAudit, rid } from './helpers.js';

for (const kind of await testStores()) {
  describe(`authentication and user routes (${kind})`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
    });
    afterAll(async () => t.close());

    it('login returns a session token and writes UserLogin with the seed fields', async () => {
      const id = rid('login');
      const r = await t.req('POST', '/api/v1/auth/login', {
        body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
        headers: { 'x-request-id': id, 'user-agent': 'vitest-agent/1' },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-request-id']).toBe(id);
      const body = r.json();
      expect(body.token).toMatch(/^bst_[0-9a-f]{64}$/);
      expect(body.expiresAt).toMatch(ISO_MS);
      expect(body.user).toEqual({ id: expect.any(String), email: ADMIN_EMAIL, name: 'Instance Admin', admin: true, createdAt: expect.stringMatching(ISO_MS) });
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({
        event: 'UserLogin',
        outcome: 'Success',
        resource: ADMIN_EMAIL,
        requestId: id,
        userAgent: 'vitest-agent/1',
        projectSlug: null,
        environmentSlug: null,
        reason: null,
        actor: { type: 'User', id: body.user.id, email: ADMIN_EMAIL, name: 'Instance Admin', ip: '127.0.0.1' },
      });
      expect(e.details).toMatchObject({ method: 'password', sessionExpiresAt: body.expiresAt });
      expect(JSON.stringify(e)).not.toContain(ADMIN_PASSWORD);
    });

    it('a wrong password is 401 and writes UserLoginFailed Denied with reason wrong_password', async () => {
      const id = rid('badlogin');
      const r = await t.req('POST', '/api/v1/auth/login', { body: { email: ADMIN_EMAIL, password: 'nope-nope-nope' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(401);
      expect(errorOf(r)).toMatchObject({ code: 'invalid_credentials', message: 'email or password is wrong', requestId: id });
      expect(await oneAudit(t, id)).toMatchObject({ event: 'UserLoginFailed', outcome: 'Denied', reason: 'wrong_password', resource: ADMIN_EMAIL });
      expect((await accessFor(t, id))[0]).toMatchObject({ status: 401, route: '/api/v1/auth/login' });
    });

    it('an unknown account is 401 and recorded with reason unknown_account and the attempted email', async () => {
      const id = rid('nologin');
      const r = await t.req('POST', '/api/v1/auth/login', { body: { email: 'ghost@example.com', password: 'whatever' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(401);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'UserLoginFailed', reason: 'unknown_account', actor: { type: 'User', id: null, email: 'ghost@example.com' } });
    });

    it('the sixth failed login for one account is throttled with 429, Retry-After and a throttled entry', async () => {
      await t.user('victim@example.com');
      for (let i = 0; i < 5; i++) {
        expect((await t.req('POST', '/api/v1/auth/login', { body: { email: 'victim@example.com', password: 'wrong' } })).statusCode).toBe(401);
      }
      const id = rid('throttled');
      const r = await t.req('POST', '/api/v1/auth/login', { body: { email: 'victim@example.com', password: 'pw-victim@example.com-long-enough' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(errorOf(r).message).toMatch(/too many failed logins; retry in \d+ s/);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'UserLoginFailed', outcome: 'Denied', reason: 'throttled' });
    });

    it('whoami describes the session user', async () => {
      const r = await t.req('GET', '/api/v1/auth/whoami', { token: t.adminToken });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ actor: { type: 'User', id: expect.any(String), email: ADMIN_EMAIL, name: 'Instance Admin' }, admin: true, apiKey: null, credential: null });
    });

    it('logout answers 204, writes UserLogout, and the token is refused afterwards', async () => {
      const token = await t.login(ADMIN_EMAIL, ADMIN_PASSWORD);
      const id = rid('logout');
      const r = await t.req('POST', '/api/v1/auth/logout', { token, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(204);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'UserLogout', outcome: 'Success', resource: ADMIN_EMAIL, actor: { email: ADMIN_EMAIL } });
      const after = await t.req('GET', '/api/v1/auth/whoami', { token });
      expect(after.statusCode).toBe(401);
      expect(errorOf(after)).toMatchObject({ code: 'unauthenticated', message: 'the session was logged out; log in again' });
    });

    it('creating a user as admin answers 201 with the user view and writes UserCreated', async () => {
      const id = rid('mkuser');
      const r = await t.req('POST', '/api/v1/users', {
        token: t.adminToken,
        body: { email: 'Carol@Example.com', name: 'Carol', password: 'carol-password-1' },
        headers: { 'x-request-id': id },
      });
      expect(r.statusCode).toBe(201);
      const u = r.json();
      expect(u).toEqual({ id: expect.any(String), email: 'carol@example.com', name: 'Carol', admin: false, createdAt: expect.stringMatching(ISO_MS) });
      expect(JSON.stringify(u)).not.toMatch(/password/i);
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({ event: 'UserCreated', resource: 'carol@example.com', details: { userId: u.id, admin: false } });
      expect(JSON.stringify(e)).not.toContain('carol-password-1');
      expect((await t.req('POST', '/api/v1/auth/login', { body: { email: 'carol@example.com', password: 'carol-password-1' } })).statusCode).toBe(200);
    });

    it('creating a user twice is a 409 conflict', async () => {
      const r = await t.req('POST', '/api/v1/users', { token: t.adminToken, body: { email: 'carol@example.com', name: 'C', password: 'carol-password-1' } });
      expect(r.statusCode).toBe(409);
      expect(errorOf(r).message).toContain('already exists');
    });

    it('a non-admin creating a user is Denied with reason admin_required', async () => {
      const token = await t.user('dave@example.com');
      const id = rid('mkuser-denied');
      const r = await t.req('POST', '/api/v1/users', { token, body: { email: 'eve@example.com', name: 'Eve', password: 'eve-password-12' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(403);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'UserCreated', outcome: 'Denied', reason: 'admin_required', resource: 'eve@example.com' });
      expect(await t.server.store.users.getByEmail('eve@example.com')).toBeNull();
    });

    it('listing users is for the admin only', async () => {
      const r = await t.req('GET', '/api/v1/users', { token: t.adminToken });
      expect(r.statusCode).toBe(200);
      expect(r.json().users.map((u: { email: string }) => u.email)).toEqual(expect.arrayContaining([ADMIN_EMAIL, 'carol@example.com']));
      const token = await t.login('carol@example.com', 'carol-password-1');
      expect((await t.req('GET', '/api/v1/users', { token })).statusCode).toBe(403);
    });

    it('a request without credentials to an auditable route is 401 and recorded as Denied by Anonymous', async () => {
      const id = rid('anon');
      const r = await t.req('POST', '/api/v1/users', { body: { email: 'x@example.com', name: 'X', password: 'x-password-123' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(401);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'UserCreated', outcome: 'Denied', reason: 'unauthenticated', actor: { type: 'Anonymous' } });
      expect(await auditFor(t, 'never-used')).toEqual([]);
    });
  });
}
