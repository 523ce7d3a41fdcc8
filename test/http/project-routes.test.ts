import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { ISO_MS, auditFor, errorOf, expectSeedShape, oneAudit, rid } from './helpers.js';

for (const kind of await testStores()) {
  describe(`project, environment and member routes (${kind})`, () => {
    let t: TestServer;
    let bob: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      bob = await t.user('bob@example.com', 'Bob');
      await t.user('carol@example.com', 'Carol');
    });
    afterAll(async () => t.close());

    it('creating a project makes the creator OWNER and writes ProjectCreated then MemberAdded in one request', async () => {
      const id = rid('mkproj');
      const r = await t.req('POST', '/api/v1/projects', { token: bob, body: { slug: 'shop', name: 'Shop' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(201);
      expect(r.json()).toEqual({ slug: 'shop', name: 'Shop', createdAt: expect.stringMatching(ISO_MS), role: 'OWNER' });
      const rows = await auditFor(t, id);
      rows.forEach(expectSeedShape);
      expect(rows.map((e) => e.event)).toEqual(['ProjectCreated', 'MemberAdded']);
      expect(rows[0]).toMatchObject({ projectSlug: 'shop', resource: 'shop', details: { name: 'Shop' }, actor: { type: 'User', email: 'bob@example.com', name: 'Bob' } });
      expect(rows[1]).toMatchObject({ projectSlug: 'shop', resource: 'bob@example.com', details: { role: 'OWNER' } });
      expect((rows[1]?.seq ?? 0) - (rows[0]?.seq ?? 0)).toBe(1);
    });

    it('a duplicate project slug is a 409 and writes nothing', async () => {
      const id = rid('dupproj');
      const r = await t.req('POST', '/api/v1/projects', { token: bob, body: { slug: 'shop', name: 'Again' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(409);
      expect(errorOf(r).message).toBe('project shop already exists');
      expect(await auditFor(t, id)).toEqual([]);
    });

    it('projects are listed with the caller role; the admin sees every project', async () => {
      expect((await t.req('GET', '/api/v1/projects', { token: bob })).json()).toEqual({ projects: [expect.objectContaining({ slug: 'shop', role: 'OWNER' })] });
      const carol = await t.login('carol@example.com', 'pw-carol@example.com-long-enough');
      expect((await t.req('GET', '/api/v1/projects', { token: carol })).json()).toEqual({ projects: [] });
      expect((await t.req('GET', '/api/v1/projects', { token: t.adminToken })).json().projects).toEqual([expect.objectContaining({ slug: 'shop', role: null })]);
      const one = await t.req('GET', '/api/v1/projects/shop', { token: bob });
      expect(one.json()).toEqual({ slug: 'shop', name: 'Shop', createdAt: expect.stringMatching(ISO_MS), role: 'OWNER' });
    });

    it('creating an environment answers 201 and writes EnvironmentCreated with project and environment slugs', async () => {
      const id = rid('mkenv');
      const r = await t.req('POST', '/api/v1/projects/shop/environments', { token: bob, body: { slug: 'prod', name: 'Production' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(201);
      expect(r.json()).toEqual({ slug: 'prod', name: 'Production', createdAt: expect.stringMatching(ISO_MS), restricted: false });
      expect(await oneAudit(t, id)).toMatchObject({ event: 'EnvironmentCreated', projectSlug: 'shop', environmentSlug: 'prod', resource: 'prod', details: { name: 'Production' } });
      expect((await t.req('POST', '/api/v1/projects/shop/environments', { token: bob, body: { slug: 'dev', name: 'Dev' } })).statusCode).toBe(201);
      const list = await t.req('GET', '/api/v1/projects/shop/environments', { token: bob });
      expect(list.json().environments.map((e: { slug: string }) => e.slug).sort()).toEqual(['dev', 'prod']);
    });

    it('an environment of a missing project is 404', async () => {
      const r = await t.req('POST', '/api/v1/projects/nope/environments', { token: bob, body: { slug: 'x', name: 'X' } });
      expect(r.statusCode).toBe(404);
      expect(errorOf(r).message).toBe('project nope not found');
    });

    it('adding a project member writes MemberAdded; changing the role writes MemberRoleChanged; the same role again writes nothing', async () => {
      const add = rid('addmember');
      const r = await t.req('PUT', '/api/v1/projects/shop/members/Carol@Example.com', { token: bob, body: { role: 'MEMBER' }, headers: { 'x-request-id': add } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ email: 'carol@example.com', name: 'Carol', role: 'MEMBER', environmentSlug: null, changed: true });
      expect(await oneAudit(t, add)).toMatchObject({ event: 'MemberAdded', projectSlug: 'shop', environmentSlug: null, resource: 'carol@example.com', details: { role: 'MEMBER', scope: 'project' } });

      const change = rid('changerole');
      const c = await t.req('PUT', '/api/v1/projects/shop/members/carol@example.com', { token: bob, body: { role: 'AUDITOR' }, headers: { 'x-request-id': change } });
      expect(c.json()).toMatchObject({ role: 'AUDITOR', changed: true });
      expect(await oneAudit(t, change)).toMatchObject({ event: 'MemberRoleChanged', resource: 'carol@example.com', details: { from: 'MEMBER', to: 'AUDITOR', scope: 'project' } });

      const same = rid('samerole');
      const s = await t.req('PUT', '/api/v1/projects/shop/members/carol@example.com', { token: bob, body: { role: 'AUDITOR' }, headers: { 'x-request-id': same } });
      expect(s.json()).toMatchObject({ changed: false });
      expect(await auditFor(t, same)).toEqual([]);

      const members = await t.req('GET', '/api/v1/projects/shop/members', { token: bob });
      expect(members.json().members).toEqual(
        expect.arrayContaining([
          { email: 'bob@example.com', name: 'Bob', role: 'OWNER', environmentSlug: null },
          { email: 'carol@example.com', name: 'Carol', role: 'AUDITOR', environmentSlug: null },
        ]),
      );
    });

    it('environment members: add, change role and remove are each audited with the environment slug', async () => {
      const base = '/api/v1/projects/shop/environments/prod/members/carol@example.com';
      const add = rid('envadd');
      expect((await t.req('PUT', base, { token: bob, body: { role: 'CONSUMER' }, headers: { 'x-request-id': add } })).json()).toEqual({
        email: 'carol@example.com', name: 'Carol', role: 'CONSUMER', environmentSlug: 'prod', changed: true,
      });
      // The first environment member also restricts the environment: a second entry says so.
      const added = await auditFor(t, add);
      expect(added).toMatchObject([
        { event: 'MemberAdded', projectSlug: 'shop', environmentSlug: 'prod', details: { role: 'CONSUMER', scope: 'environment' } },
        { event: 'RestrictionChanged', projectSlug: 'shop', environmentSlug: 'prod', resource: 'prod', details: { restricted: true, cause: 'first environment member' } },
      ]);
      const change = rid('envchange');
      await t.req('PUT', base, { token: bob, body: { role: 'ENVIRONMENT_OWNER' }, headers: { 'x-request-id': change } });
      expect(await oneAudit(t, change)).toMatchObject({ event: 'MemberRoleChanged', environmentSlug: 'prod', details: { from: 'CONSUMER', to: 'ENVIRONMENT_OWNER' } });
      const del = rid('envdel');
      expect((await t.req('DELETE', base, { token: bob, headers: { 'x-request-id': del } })).statusCode).toBe(204);
      expect(await oneAudit(t, del)).toMatchObject({ event: 'MemberRemoved', environmentSlug: 'prod', resource: 'carol@example.com', details: { role: 'ENVIRONMENT_OWNER', scope: 'environment' } });
      const again = await t.req('DELETE', base, { token: bob });
      expect(again.statusCode).toBe(404);
      expect(errorOf(again).message).toBe('carol@example.com is not a member of shop/prod');
    });

    it('removing a project member writes MemberRemoved and revokes access', async () => {
      const del = rid('rmmember');
      expect((await t.req('DELETE', '/api/v1/projects/shop/members/carol@example.com', { token: bob, headers: { 'x-request-id': del } })).statusCode).toBe(204);
      expect(await oneAudit(t, del)).toMatchObject({ event: 'MemberRemoved', resource: 'carol@example.com', details: { role: 'AUDITOR', scope: 'project' } });
      const carol = await t.login('carol@example.com', 'pw-carol@example.com-long-enough');
      expect((await t.req('GET', '/api/v1/projects/shop', { token: carol })).statusCode).toBe(403);
    });

    it('the last OWNER cannot be demoted or removed (409)', async () => {
      const r = await t.req('PUT', '/api/v1/projects/shop/members/bob@example.com', { token: bob, body: { role: 'MEMBER' } });
      expect(r.statusCode).toBe(409);
      expect(errorOf(r).message).toBe('bob@example.com is the last OWNER of shop; add another OWNER first');
      expect((await t.req('DELETE', '/api/v1/projects/shop/members/bob@example.com', { token: bob })).statusCode).toBe(409);
    });

    it('adding a user that does not exist is a 404 that says how users are created', async () => {
      const r = await t.req('PUT', '/api/v1/projects/shop/members/nobody@example.com', { token: bob, body: { role: 'MEMBER' } });
      expect(r.statusCode).toBe(404);
      expect(errorOf(r).message).toContain('POST /api/v1/users');
    });

    it('the instance admin administers a project it is not a member of, and that is audited as the admin', async () => {
      const id = rid('adminadd');
      const r = await t.req('PUT', '/api/v1/projects/shop/members/carol@example.com', { token: t.adminToken, body: { role: 'OWNER' }, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(200);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'MemberAdded', actor: { email: ADMIN_EMAIL }, details: { role: 'OWNER' } });
    });
  });
}
