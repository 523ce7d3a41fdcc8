import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { seedProject } from './helpers.js';

/** A restricted environment stays restricted until an owner lifts it, and every change is audited. */
for (const kind of await testStores()) {
  describe(`environment restriction (${kind})`, () => {
    let t: TestServer;
    let owner: string;
    let member: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      owner = await t.user('owner@example.com');
      member = await t.user('member@example.com');
      await t.user('envonly@example.com');
      await seedProject(t, owner, 'lock', ['prod']);
      await t.req('PUT', '/api/v1/projects/lock/environments/prod/secrets/K', { token: owner, body: { value: 'v' } });
      expect((await t.req('PUT', '/api/v1/projects/lock/members/member@example.com', { token: owner, body: { role: 'MEMBER' } })).statusCode).toBe(200);
    });
    afterAll(() => t.close());

    const read = () => t.req('GET', '/api/v1/projects/lock/environments/prod/secrets/K', { token: member });
    const restricted = async () =>
      ((await t.req('GET', '/api/v1/projects/lock/environments', { token: owner })).json() as { environments: { slug: string; restricted: boolean }[] }).environments[0]?.restricted;
    const changes = async () =>
      (await t.server.store.auditLog.query({ events: ['RestrictionChanged'], outcome: 'Success' }, 10)).reverse().map((e) => [e.actor.email, e.details.restricted, e.details.cause]);

    it('the first environment member restricts it; removing the last one does not lift it silently', async () => {
      expect((await read()).statusCode).toBe(200);
      expect(await restricted()).toBe(false);
      expect((await t.req('PUT', '/api/v1/projects/lock/environments/prod/members/envonly@example.com', { token: owner, body: { role: 'CONSUMER' } })).statusCode).toBe(200);
      expect(await restricted()).toBe(true);
      expect((await read()).statusCode).toBe(403);
      expect((await t.req('DELETE', '/api/v1/projects/lock/environments/prod/members/envonly@example.com', { token: owner })).statusCode).toBe(204);
      expect(await restricted()).toBe(true);
      const r = await read();
      expect(r.statusCode).toBe(403);
      expect(r.body).toContain('restricted');
      expect(await changes()).toEqual([['owner@example.com', true, 'first environment member']]);
    });

    it('only an owner lifts it (audited); a MEMBER asking is refused and recorded', async () => {
      const refused = await t.req('PUT', '/api/v1/projects/lock/environments/prod/restriction', { token: member, body: { restricted: false } });
      expect(refused.statusCode).toBe(403);
      const [denied] = await t.server.store.auditLog.query({ events: ['RestrictionChanged'], outcome: 'Denied' }, 5);
      expect(denied).toMatchObject({ resource: 'prod', reason: 'insufficient_role' });
      const lift = await t.req('PUT', '/api/v1/projects/lock/environments/prod/restriction', { token: owner, body: { restricted: false } });
      expect(lift.statusCode, lift.body).toBe(200);
      expect(lift.json()).toMatchObject({ slug: 'prod', restricted: false });
      expect((await read()).statusCode).toBe(200);
      expect((await changes()).at(-1)).toEqual(['owner@example.com', false, 'lifted by an owner']);
      const again = await t.req('PUT', '/api/v1/projects/lock/environments/prod/restriction', { token: owner, body: { restricted: false } });
      expect(again.statusCode).toBe(200);
      expect(await changes()).toHaveLength(2); // lifting what is not restricted records nothing new
      expect((await t.req('PUT', '/api/v1/projects/lock/environments/prod/restriction', { token: owner, body: { restricted: 'no' } })).statusCode).toBe(400);
    });
  });
}
