import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCluster, pgClusterProblem, type PgCluster } from '../helpers/pg-cluster.js';
import { freePort, removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser } from './cli-harness.js';

/**
 * A PostgresDynamic provider and a credential lease through the real CLI, checked with psql against a
 * private PostgreSQL that checks passwords: the login works, then is gone after `bella leases revoke`.
 */
const problem = pgClusterProblem();
if (process.env.CI && problem) throw new Error(`CI must run the provider CLI test: ${problem}`);
if (problem) console.warn(`skipping the provider CLI test: ${problem}`);

describe.skipIf(problem !== null)('bella providers and credential leases, end to end', () => {
  let cluster: PgCluster;
  let srv: ServerProcess;
  let admin: CliUser;
  const scope = ['-p', 'shop', '-e', 'prod'];
  beforeAll(async () => {
    cluster = createPgCluster(await freePort(), { passwordAuth: true });
    srv = await startServerProcess({ env: { BELLA_LOG_LEVEL: 'info' } });
    admin = new CliUser(srv.url);
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    admin.ok(['projects', 'create', 'shop']);
    admin.ok(['environments', 'create', 'prod', '-p', 'shop']);
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) removeDataDir(srv.dataDir);
    cluster?.destroy();
  });

  const psql = (env: Record<string, string>) =>
    spawnSync('psql', ['-h', '127.0.0.1', '-p', String(cluster.port), '-d', 'postgres', '-tAc', 'SELECT current_user'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });

  it('creates the provider from stdin, never shows its password, issues a login psql can use, and revokes it for good', () => {
    const created = admin.run(['providers', 'create', 'pg-main', '--type', 'PostgresDynamic', '--host', '127.0.0.1', '--port', String(cluster.port), '--database', 'postgres', '--username', 'postgres', '--password-stdin'], { input: `${cluster.password}\n` });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created provider pg-main \(PostgresDynamic\): .*password=\*\*\*ENCRYPTED\*\*\*/);
    expect(admin.ok(['providers', 'show', 'pg-main'])).toContain('password: ***ENCRYPTED***');
    expect(admin.ok(['providers', 'list'])).toMatch(/system\s+System\s+every project/);
    admin.ok(['environments', 'assign-provider', 'pg-main', ...scope]);

    const issued = admin.run(['leases', 'issue', '--provider', 'pg-main', '--ttl', '1h', '--reason', 'incident 7', ...scope]);
    expect(issued.code, issued.stderr).toBe(0);
    const m = /^export PGUSER=(bella_[0-9a-f]{16})\nexport PGPASSWORD=([A-Za-z0-9_-]+)$/.exec(issued.stdout.trim());
    expect(m, issued.stdout).not.toBeNull();
    const [, user, password] = m as RegExpExecArray;
    expect(issued.stderr).toMatch(/^Issued credential lease (cl-[0-9a-f]{16}) from pg-main on shop\/prod until /);
    const id = /(cl-[0-9a-f]{16})/.exec(issued.stderr)?.[1] as string;

    const ok = psql({ PGUSER: user as string, PGPASSWORD: password as string });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe(user);
    expect(admin.ok(['leases', 'list', ...scope])).toMatch(new RegExp(`${id}\\s+active\\s+pg-main\\s+${user}`));
    expect(admin.ok(['providers', 'check', 'pg-main'])).toContain('No orphaned roles.');

    expect(admin.ok(['leases', 'revoke', id, '--reason', 'incident closed', ...scope]).trim()).toBe(`Revoked credential lease ${id}: the login ${user} is gone from the database.`);
    const refused = psql({ PGUSER: user as string, PGPASSWORD: password as string });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/password authentication failed|does not exist/);

    const events = admin.json<{ event: string; resource: string; details: Record<string, unknown> }[]>(['audit', 'list', '--event', 'ProviderCreated,ProviderAssigned,LeaseIssued,LeaseRevoked', '-o', 'json']);
    expect(events.map((e) => e.event).sort()).toEqual(['LeaseIssued', 'LeaseRevoked', 'ProviderAssigned', 'ProviderCreated']);
    // The provider's admin password and the lease's password are nowhere: not in the log, not in the server's output.
    const everything = JSON.stringify(events) + srv.stdout() + srv.stderr();
    expect(everything).not.toContain(cluster.password);
    expect(everything).not.toContain(password);
  });
});
