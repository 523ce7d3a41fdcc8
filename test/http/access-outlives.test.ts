import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { seedProject } from './helpers.js';

/** Access must not outlive its reason: a member's API keys end with the member's rights. */
for (const kind of await testStores()) {
  describe(`API keys of a removed or demoted member (${kind})`, () => {
    let t: TestServer;
    let owner: string;
    let bob: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      owner = await t.user('owner@example.com');
      bob = await t.user('bob@example.com');
    });
    afterAll(() => t.close());

    const mint = async (project: string, role: string) => {
      const r = await t.req('POST', `/api/v1/projects/${project}/environments/prod/api-keys`, { token: bob, body: { name: `bob-${role}`, role } });
      expect(r.statusCode, r.body).toBe(201);
      return r.json() as { id: string; key: string };
    };
    const read = (project: string, key: string) =>
      t.req('GET', `/api/v1/projects/${project}/environments/prod/secrets/K`, { headers: { authorization: `Bearer ${key}` } });
    const revocations = async (id: string) => t.server.store.auditLog.query({ events: ['ApiKeyRevoked'], resource: id }, 5);

    it("removing a member revokes the keys they created there, each an ApiKeyRevoked by System (member_removed)", async () => {
      await seedProject(t, owner, 'gone', ['prod']);
      await t.req('PUT', '/api/v1/projects/gone/environments/prod/secrets/K', { token: owner, body: { value: 'v' } });
      expect((await t.req('PUT', '/api/v1/projects/gone/environments/prod/members/bob@example.com', { token: owner, body: { role: 'ENVIRONMENT_OWNER' } })).statusCode).toBe(200);
      const k = await mint('gone', 'CONSUMER');
      expect((await read('gone', k.key)).statusCode).toBe(200);
      expect((await t.req('DELETE', '/api/v1/projects/gone/environments/prod/members/bob@example.com', { token: owner })).statusCode).toBe(204);
      const after = await read('gone', k.key);
      expect(after.statusCode).toBe(401);
      expect(after.body).toContain('revoked');
      expect(await revocations(k.id)).toMatchObject([
        { outcome: 'Success', actor: { type: 'System' }, projectSlug: 'gone', environmentSlug: 'prod', details: { reason: 'member_removed', member: 'bob@example.com', role: 'CONSUMER' } },
      ]);
    });

    it('demoting a member revokes only the keys that now carry more than the member may do (member_demoted)', async () => {
      await seedProject(t, owner, 'demo', ['prod']);
      await t.req('PUT', '/api/v1/projects/demo/environments/prod/secrets/K', { token: owner, body: { value: 'v' } });
      expect((await t.req('PUT', '/api/v1/projects/demo/members/bob@example.com', { token: owner, body: { role: 'PROJECT_MANAGER' } })).statusCode).toBe(200);
      const writer = await mint('demo', 'MEMBER');
      const reader = await mint('demo', 'CONSUMER');
      expect((await t.req('PUT', '/api/v1/projects/demo/members/bob@example.com', { token: owner, body: { role: 'CONSUMER' } })).statusCode).toBe(200);
      expect((await read('demo', writer.key)).statusCode).toBe(401);
      expect((await read('demo', reader.key)).statusCode).toBe(200);
      expect(await revocations(writer.id)).toMatchObject([{ actor: { type: 'System' }, details: { reason: 'member_demoted' } }]);
      expect(await revocations(reader.id)).toEqual([]);
    });
  });
}
