import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { auditFor, errorOf, rid, seedProject } from './helpers.js';

/**
 * The membership rules are checked inside the transaction that applies the change, so concurrent
 * requests cannot together break them, and an environment role never demotes an OWNER.
 */
for (const kind of await testStores()) {
  describe(`membership rules under concurrency and across scopes (${kind})`, () => {
    let t: TestServer;
    let alice: string;
    let bob: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      alice = await t.user('alice@example.com');
      bob = await t.user('bob@example.com');
    });
    afterAll(() => t.close());

    const owners = async (project: string) => {
      const r = await t.req('GET', `/api/v1/projects/${project}/members`, { token: t.adminToken });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { members: { email: string; role: string; environmentSlug: string | null }[] }).members.filter(
        (m) => m.environmentSlug === null && m.role === 'OWNER',
      );
    };

    it('two OWNERs removing each other at the same moment: exactly one succeeds and the project keeps an OWNER', async () => {
      for (let trial = 0; trial < 15; trial++) {
        const p = `duel-${trial}`;
        await seedProject(t, alice, p, []);
        const add = await t.req('PUT', `/api/v1/projects/${p}/members/bob@example.com`, { token: alice, body: { role: 'OWNER' } });
        expect(add.statusCode, add.body).toBe(200);
        const [a, b] = await Promise.all([
          t.req('DELETE', `/api/v1/projects/${p}/members/bob@example.com`, { token: alice, headers: { 'x-request-id': rid(`${p}-a`) } }),
          t.req('DELETE', `/api/v1/projects/${p}/members/alice@example.com`, { token: bob, headers: { 'x-request-id': rid(`${p}-b`) } }),
        ]);
        const codes = [a.statusCode, b.statusCode].sort();
        expect(codes[0], `trial ${trial}: ${a.body} / ${b.body}`).toBe(204);
        expect(codes[1], `trial ${trial}: ${a.body} / ${b.body}`).not.toBe(204);
        const left = await owners(p);
        expect(left, `trial ${trial}`).toHaveLength(1);
        // The loser's refusal is in the Audit Log as a Denied MemberRemoved, the winner's removal as Success.
        const loser = a.statusCode === 204 ? b : a;
        const rows = await auditFor(t, loser.headers['x-request-id'] as string);
        expect(rows.map((e) => [e.event, e.outcome])).toEqual([['MemberRemoved', 'Denied']]);
      }
    });

    it('an OWNER cannot remove the last OWNER, even itself, and the refusal says what to do', async () => {
      await seedProject(t, alice, 'solo', []);
      const r = await t.req('DELETE', '/api/v1/projects/solo/members/alice@example.com', { token: alice });
      expect(r.statusCode).toBe(409);
      expect(errorOf(r).message).toContain('last OWNER of solo; add another OWNER first');
      expect(await owners('solo')).toHaveLength(1);
    });

    for (const demoter of ['ENVIRONMENT_OWNER', 'PROJECT_MANAGER'] as const) {
      it(`a ${demoter} cannot demote the project OWNER through an environment role; the OWNER keeps writing there`, async () => {
        const p = `demote-${demoter.toLowerCase().replace('_', '-')}`;
        await seedProject(t, alice, p, ['prod']);
        const grant =
          demoter === 'ENVIRONMENT_OWNER'
            ? await t.req('PUT', `/api/v1/projects/${p}/environments/prod/members/bob@example.com`, { token: alice, body: { role: 'ENVIRONMENT_OWNER' } })
            : await t.req('PUT', `/api/v1/projects/${p}/members/bob@example.com`, { token: alice, body: { role: 'PROJECT_MANAGER' } });
        expect(grant.statusCode, grant.body).toBe(200);
        const id = rid(`demote-${demoter}`);
        const r = await t.req('PUT', `/api/v1/projects/${p}/environments/prod/members/alice@example.com`, {
          token: bob, body: { role: 'CONSUMER' }, headers: { 'x-request-id': id },
        });
        expect(r.statusCode, r.body).toBe(403);
        expect(errorOf(r).message).toContain('only an OWNER can change the access of alice@example.com');
        expect((await auditFor(t, id)).map((e) => [e.event, e.outcome, e.reason])).toEqual([['MemberAdded', 'Denied', 'owner_required']]);
        const write = await t.req('PUT', `/api/v1/projects/${p}/environments/prod/secrets/K`, { token: alice, body: { value: 'v' } });
        expect(write.statusCode, write.body).toBe(200);
      });
    }

    it('an OWNER gets a clear 409 for an environment role on an OWNER (it would change nothing)', async () => {
      await seedProject(t, alice, 'noop-env', ['prod']);
      expect((await t.req('PUT', '/api/v1/projects/noop-env/members/bob@example.com', { token: alice, body: { role: 'OWNER' } })).statusCode).toBe(200);
      const r = await t.req('PUT', '/api/v1/projects/noop-env/environments/prod/members/bob@example.com', { token: alice, body: { role: 'CONSUMER' } });
      expect(r.statusCode).toBe(409);
      expect(errorOf(r).message).toContain('reaches every environment as ENVIRONMENT_OWNER');
    });
  });
}
