import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { freePort } from '../helpers/process.js';
import { createPgCluster, pgClusterProblem, type PgCluster } from '../helpers/pg-cluster.js';
import { pgDynamic, type PgDynamicConfig } from '../../src/secrets/providers/postgres-dynamic.js';
import { auditFor, rid, seedProject } from './helpers.js';

/**
 * Providers over HTTP, and the PostgresDynamic engine against a real PostgreSQL with password
 * authentication (a private server, so passwords are checked and roles come and go freely).
 */
const problem = pgClusterProblem();
if (process.env.CI && problem) throw new Error(`CI must run the provider tests: ${problem}`);
if (problem) console.warn(`skipping the provider tests: ${problem}`);

const STORES = await testStores();
let cluster: PgCluster;
let admin: PgDynamicConfig;
const connectAs = async (user: string, password: string) => {
  const c = new pg.Client({ host: '127.0.0.1', port: cluster.port, database: 'postgres', user, password, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  return c;
};

describe.skipIf(problem !== null)('providers', () => {
  beforeAll(async () => {
    cluster = createPgCluster(await freePort(), { passwordAuth: true });
    admin = {
      host: '127.0.0.1', port: cluster.port, database: 'postgres', username: 'postgres', password: cluster.password, ssl: 'disable',
      usernamePrefix: 'bella_', creationStatements: "CREATE ROLE {{username}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}};",
      grantStatements: 'GRANT CONNECT ON DATABASE {{database}} TO {{username}}; GRANT USAGE ON SCHEMA public TO {{username}}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {{username}};',
      revocationStatements: '',
    };
    const c = await connectAs('postgres', cluster.password);
    await c.query('CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2)');
    await c.end();
  }, 120_000);
  afterAll(() => cluster?.destroy());

  describe('the PostgresDynamic engine', () => {
    it('issues a role that logs in with its password and can do what the grant allows, nothing more', async () => {
      const cred = await pgDynamic.issue(admin, new Date(Date.now() + 3600_000));
      expect(cred.username).toMatch(/^bella_[0-9a-f]{16}$/);
      const c = await connectAs(cred.username, cred.password);
      expect((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 2 });
      await expect(c.query('INSERT INTO orders VALUES (3)')).rejects.toThrow(/permission denied/);
      await c.end();
      await expect(connectAs(cred.username, 'wrong-password')).rejects.toThrow(/password authentication failed/);
      await pgDynamic.revoke(admin, cred.username);
    });

    it('revocation cuts an open session, and the role can no longer log in; revoking again is fine', async () => {
      const cred = await pgDynamic.issue(admin, new Date(Date.now() + 3600_000));
      const open = await connectAs(cred.username, cred.password);
      await pgDynamic.revoke(admin, cred.username);
      await expect(open.query('SELECT 1')).rejects.toThrow();
      await expect(connectAs(cred.username, cred.password)).rejects.toThrow(/password authentication failed|does not exist/);
      expect(await pgDynamic.roles(admin)).not.toContain(cred.username);
      await pgDynamic.revoke(admin, cred.username);
    });

    it('a role that owns a table is still revoked (what it owns is reassigned and dropped)', async () => {
      const cred = await pgDynamic.issue(admin, new Date(Date.now() + 3600_000));
      const su = await connectAs('postgres', cluster.password);
      await su.query(`GRANT CREATE ON SCHEMA public TO ${cred.username}`);
      await su.end();
      const c = await connectAs(cred.username, cred.password);
      await c.query('CREATE TABLE scratch (x int)');
      await c.end();
      await pgDynamic.revoke(admin, cred.username);
      expect(await pgDynamic.roles(admin)).not.toContain(cred.username);
      const after = await connectAs('postgres', cluster.password);
      expect((await after.query("SELECT tableowner FROM pg_tables WHERE tablename = 'scratch'")).rows).toEqual([{ tableowner: 'postgres' }]);
      await after.query('DROP TABLE scratch');
      await after.end();
    });

    it('a template that fails creates nothing (all or nothing), and its error names the cause without the password', async () => {
      const before = await pgDynamic.roles(admin);
      const err = await pgDynamic.issue({ ...admin, grantStatements: 'GRANT SELECT ON no_such_table TO {{username}};' }, new Date(Date.now() + 60_000)).catch((e: Error) => e);
      expect(String(err)).toMatch(/no_such_table/);
      expect(String(err)).not.toContain(cluster.password);
      expect(await pgDynamic.roles(admin)).toEqual(before);
    });

    it('an unreachable database is an error, not a silent success', async () => {
      await expect(pgDynamic.revoke({ ...admin, port: await freePort() }, 'bella_0000000000000000')).rejects.toThrow(/ECONNREFUSED/);
    });
  });

  for (const kind of STORES) {
    describe(`the providers API (${kind})`, () => {
      let t: TestServer;
      beforeAll(async () => {
        t = await startTestServer({ store: kind });
        await seedProject(t, t.adminToken, 'pp', ['prod']);
      });
      afterAll(() => t.close());
      const body = () => ({ name: 'pg-main', type: 'PostgresDynamic', configuration: { host: '127.0.0.1', port: cluster.port, database: 'postgres', username: 'postgres', password: cluster.password } });

      it('the admin creates a PostgresDynamic provider; its password is never returned nor in the Audit Log', async () => {
        const id = rid('provider-create');
        const r = await t.req('POST', '/api/v1/providers', { token: t.adminToken, headers: { 'x-request-id': id }, body: body() });
        expect(r.statusCode, r.body).toBe(201);
        expect(r.body).not.toContain(cluster.password);
        expect(r.json().configuration).toMatchObject({ host: '127.0.0.1', password: '***ENCRYPTED***', usernamePrefix: 'bella_' });
        const [entry] = await auditFor(t, id);
        expect(entry).toMatchObject({ event: 'ProviderCreated', outcome: 'Success', resource: 'pg-main' });
        expect(JSON.stringify(entry)).not.toContain(cluster.password);
        expect(JSON.stringify(entry?.details)).toContain('***ENCRYPTED***');
        const show = await t.req('GET', '/api/v1/providers/pg-main', { token: t.adminToken });
        expect(show.body).not.toContain(cluster.password);
        const list = await t.req('GET', '/api/v1/providers', { token: t.adminToken });
        expect(list.json().providers.map((p: { name: string; type: string; builtIn: boolean }) => [p.name, p.type, p.builtIn])).toEqual([
          ['system', 'System', true],
          ['pg-main', 'PostgresDynamic', false],
        ]);
        expect((await t.req('POST', '/api/v1/providers', { token: t.adminToken, body: body() })).statusCode).toBe(409);
      });

      it('settings that do not work are refused with the reason, never the password', async () => {
        const wrong = await t.req('POST', '/api/v1/providers', { token: t.adminToken, body: { ...body(), name: 'pg-wrong', configuration: { ...body().configuration, password: 'not-the-password-xyz' } } });
        expect(wrong.statusCode).toBe(400);
        expect(wrong.json().error.message).toMatch(/password authentication failed/);
        expect(wrong.body).not.toContain('not-the-password-xyz');
        const bad = await t.req('POST', '/api/v1/providers', { token: t.adminToken, body: { name: 'pg-bad', type: 'PostgresDynamic', configuration: { host: 'h; rm -rf /', database: 'x y', username: 'ok', password: 'secret-in-bad-config', port: 99999, extra: 1 } } });
        expect(bad.statusCode).toBe(400);
        for (const f of ['host', 'database', 'port']) expect(bad.json().error.message).toContain(f);
        expect(bad.body).not.toContain('secret-in-bad-config');
        const sys = await t.req('POST', '/api/v1/providers', { token: t.adminToken, body: { name: 'another', type: 'System' } });
        expect(sys.statusCode).toBe(400);
      });

      it('only the instance admin creates providers; a refusal is a Denied ProviderCreated', async () => {
        const user = await t.user('someone@example.com');
        const id = rid('provider-denied');
        const r = await t.req('POST', '/api/v1/providers', { token: user, headers: { 'x-request-id': id }, body: body() });
        expect(r.statusCode).toBe(403);
        expect(await auditFor(t, id)).toMatchObject([{ event: 'ProviderCreated', outcome: 'Denied', reason: 'admin_required' }]);
      });

      it('assigned to a project and an environment (ProviderAssigned), checked for orphans, then deleted (ProviderDeleted)', async () => {
        const a = await t.req('PUT', '/api/v1/projects/pp/providers/pg-main', { token: t.adminToken });
        expect(a.statusCode, a.body).toBe(200);
        const b = await t.req('PUT', '/api/v1/projects/pp/environments/prod/providers/pg-main', { token: t.adminToken });
        expect(b.json().assignments).toEqual([{ project: 'pp', environment: null }, { project: 'pp', environment: 'prod' }]);
        const assigned = await t.server.store.auditLog.query({ events: ['ProviderAssigned'] }, 10);
        expect(assigned).toHaveLength(2);
        const orphan = await pgDynamic.issue(admin, new Date(Date.now() + 60_000));
        const check = await t.req('GET', '/api/v1/providers/pg-main/check', { token: t.adminToken });
        expect(check.json().orphans).toContain(orphan.username);
        await pgDynamic.revoke(admin, orphan.username);
        expect((await t.req('DELETE', '/api/v1/providers/system', { token: t.adminToken })).statusCode).toBe(409);
        expect((await t.req('DELETE', '/api/v1/providers/pg-main', { token: t.adminToken })).statusCode).toBe(204);
        expect((await t.req('GET', '/api/v1/providers/pg-main', { token: t.adminToken })).statusCode).toBe(404);
        expect(await t.server.store.auditLog.query({ events: ['ProviderDeleted'] }, 10)).toHaveLength(1);
      });
    });
  }
});
