import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { githubClaims, startJoseIssuer, subNew, subOld, type JoseIssuer } from '../helpers/oidc.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, startServer, type TestServer } from './cli-harness.js';

/**
 * The four events of issue 16 through the real CLI against a real server process: leases (issue, use,
 * list, revoke, expire-all, policy) and keyless CI (trust domains, `bella auth oidc`, and `bella pull`
 * inside a fake GitHub Actions job with only BELLA_BAXTER_URL set), each seen in `bella audit list`.
 */
let server: TestServer;
let admin: CliUser;
let issuer: JoseIssuer;
let github: Server;
let githubUrl: string;
const requests: string[] = [];
const gh = githubClaims();
const evil = githubClaims({ owner: 'evil', ownerId: '666', repoId: '999' });

beforeAll(async () => {
  issuer = await startJoseIssuer();
  // GitHub Actions' token endpoint: a GET with the request token as bearer, the audience in the query.
  github = createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== 'Bearer gh-request-token') return void res.writeHead(401).end('{"message":"bad token"}');
    void issuer.sign({ ...gh, sub: subNew(gh), aud: url.searchParams.get('audience') ?? 'https://github.com/acme' }).then((value) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, value })));
  });
  await new Promise<void>((r) => github.listen(0, '127.0.0.1', r));
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}/_apis/token?api-version=2.0`;
  server = await startServer({ BELLA_LEASE_SWEEP_SECONDS: '1' });
  admin = new CliUser(server.url);
  admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  admin.ok(['projects', 'create', 'kp', '--name', 'Keyless']);
  admin.ok(['environments', 'create', 'prod', '-p', 'kp']);
  for (const [k, v] of [['DB_PASSWORD', 'cli-marker-db'], ['API_KEY', 'cli-marker-api']] as const) admin.ok(['secrets', 'set', k, '-p', 'kp', '-e', 'prod'], { input: `${v}\n` });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await issuer?.close();
  await new Promise<void>((r) => (github ? github.close(() => r()) : r()));
});

const audit = (event: string) => admin.json<AuditEntry[]>(['audit', 'list', '-p', 'kp', '--event', event, '-o', 'json']);

describe('leases through the CLI', () => {
  it('set-lease-policy, issue, use, list, revoke and expire-all; LeaseIssued and LeaseRevoked in bella audit list', () => {
    expect(admin.ok(['environments', 'set-lease-policy', 'prod', '-p', 'kp', '--max-ttl', '8h'])).toBe('Leases of kp/prod may now last at most 8h.\n');
    const tooLong = admin.run(['leases', 'issue', '-p', 'kp', '-e', 'prod', '--scope', 'DB_PASSWORD', '--ttl', '9h', '--reason', 'x']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('at most 28800 s (8h)');
    const issued = admin.run(['leases', 'issue', '-p', 'kp', '-e', 'prod', '--scope', 'DB_PASSWORD,API_KEY', '--ttl', '4h', '--reason', 'incident 123']);
    expect(issued.code, issued.stderr).toBe(0);
    const token = issued.stdout.trim();
    expect(token).toMatch(/^bax-lease-[0-9a-f]{16}-[0-9a-f]{48}$/);
    const id = token.split('-')[2] as string;
    expect(issued.stderr).toContain(`Issued lease ${id} on kp/prod for DB_PASSWORD, API_KEY`);

    const holder = new CliUser(server.url);
    expect(holder.ok(['secrets', 'get', 'DB_PASSWORD'], { env: { BELLA_BAXTER_API_KEY: token } })).toBe('cli-marker-db\n');
    const list = admin.ok(['leases', 'list', '-p', 'kp', '-e', 'prod']);
    expect(list).toMatch(new RegExp(`${id}\\s+active\\s+DB_PASSWORD,API_KEY`));
    expect(admin.ok(['leases', 'revoke', id, '-p', 'kp', '-e', 'prod', '--reason', 'incident closed'])).toBe(`Revoked lease ${id}.\n`);
    const refused = holder.run(['secrets', 'get', 'DB_PASSWORD', '-p', 'kp', '-e', 'prod'], { env: { BELLA_BAXTER_API_KEY: token } });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe('');

    const second = admin.ok(['leases', 'issue', '-p', 'kp', '-e', 'prod', '--scope', 'API_KEY', '--ttl', '15m', '--reason', 'support']).trim();
    expect(admin.ok(['leases', 'expire-all', '-p', 'kp', '-e', 'prod', '--reason', 'rotation'])).toContain('Revoked 1 lease(s) in kp/prod');
    expect(admin.json<{ id: string; status: string; revokeReason: string }[]>(['leases', 'list', '-p', 'kp', '-e', 'prod', '-o', 'json', '--status', 'revoked']).map((l) => l.revokeReason).sort()).toEqual(['incident closed', 'rotation']);

    expect(audit('LeaseIssued').map((e) => e.details)).toContainEqual(expect.objectContaining({ scope: ['DB_PASSWORD', 'API_KEY'], ttl: '4h', reason: 'incident 123' }));
    const revoked = audit('LeaseRevoked');
    expect(revoked.map((e) => e.resource)).toEqual(expect.arrayContaining([id, second.split('-')[2]]));
    expect(revoked.find((e) => e.resource === id)).toMatchObject({ actor: { type: 'User', email: ADMIN_EMAIL }, details: { reason: 'incident closed' } });
    const denied = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'kp', '--event', 'SecretRead', '--outcome', 'Denied', '-o', 'json']);
    expect(denied[0]).toMatchObject({ reason: 'lease_revoked', actor: { type: 'Lease', id } });
    expect(audit('LeasePolicyChanged')[0]?.details).toMatchObject({ maxTtlSeconds: 28800 });
  });

  it('rejects bad flags before any request', () => {
    for (const args of [['--ttl', '4 hours'], ['--ttl', '0h'], ['--scope', 'bad key!']]) {
      const base = { '--scope': 'DB_PASSWORD', '--ttl': '1h', '--reason': 'x' } as Record<string, string>;
      base[args[0] as string] = args[1] as string;
      const r = admin.run(['leases', 'issue', '-p', 'kp', '-e', 'prod', ...Object.entries(base).flat()]);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});

describe('keyless CI through the CLI', () => {
  it('trust-domains create|list|show; bella pull inside a GitHub Actions job with only BELLA_BAXTER_URL; a refused token', async () => {
    const created = admin.ok(['trust-domains', 'create', 'github', '-p', 'kp', '-e', 'prod', '--issuer', issuer.issuer, '--rule', 'repository_owner_id=1001', '--rule', 'repository_id=2002|2003']);
    expect(created).toContain('Created trust domain github in kp/prod');
    expect(admin.ok(['trust-domains', 'list', '-p', 'kp', '-e', 'prod'], { env: { COLUMNS: '200' } })).toMatch(/github\s+http:\/\/127\.0\.0\.1:\d+\s+repository_owner_id=1001 & repository_id=2002\|2003\s+CONSUMER/);
    expect(admin.ok(['trust-domains', 'show', 'github', '-p', 'kp', '-e', 'prod'])).toContain('Grants:      CONSUMER for 15 min');
    expect(admin.ok(['trust-domains', 'update', 'github', '-p', 'kp', '-e', 'prod', '--ttl-minutes', '10'])).toContain('→ CONSUMER for 10 min');
    expect(admin.run(['trust-domains', 'update', 'github', '-p', 'kp', '-e', 'prod']).code).toBe(2);
    expect(audit('TrustDomainUpdated')[0]?.details).toMatchObject({ changed: ['issuedTokenTtlMinutes'] });

    const job = new CliUser(server.url);
    writeFileSync(join(job.cwd, '.bella'), 'project = "kp"\nenvironment = "prod"\n');
    const pulled = await job.runAsync(['pull', '-o', 'json'], { env: { ACTIONS_ID_TOKEN_REQUEST_URL: githubUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'gh-request-token' } });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout)).toEqual({ API_KEY: 'cli-marker-api', DB_PASSWORD: 'cli-marker-db' });
    expect(requests.at(-1)).toContain('audience=bella-baxter');

    // bella auth oidc with a token file: the old sub shape of another owner is refused by the rules.
    const bad = await issuer.sign({ ...evil, sub: subOld(evil) });
    writeFileSync(join(job.cwd, 'evil.jwt'), `${bad}\n`);
    const refused = await job.runAsync(['auth', 'oidc', '--token-file', 'evil.jwt']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('repository_owner_id');
    const good = await issuer.sign({ ...gh, sub: subOld(gh) });
    const ok = await job.runAsync(['auth', 'oidc', '--token', '-'], { input: good });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Stored a trust token for http:\/\/127\.0\.0\.1:\d+ \(kp\/prod, CONSUMER\) until \d{4}-/);
    expect(job.ok(['secrets', 'get', 'API_KEY'])).toBe('cli-marker-api\n');

    const issued = audit('TrustTokenIssued');
    expect(issued).toHaveLength(2);
    expect(issued.map((e) => e.actor.id).sort()).toEqual([subNew(gh), subOld(gh)].sort());
    expect(issued[0]).toMatchObject({ actor: { type: 'TrustToken', name: 'github' }, details: { trustDomain: 'github', claims: { repository: 'acme/api', repository_id: '2002', run_id: '9876543210' } } });
    expect(audit('TrustTokenRejected')[0]).toMatchObject({ outcome: 'Denied', reason: 'claim_rule_not_accepted', details: { claim: 'repository_owner_id', subject: subOld(evil) } });
    const reads = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'kp', '--actor-type', 'TrustToken', '--event', 'SecretsBulkPulled', '-o', 'json']);
    expect(reads[0]).toMatchObject({ actor: { type: 'TrustToken', id: subNew(gh), name: 'github' } });
    expect(admin.ok(['trust-domains', 'delete', 'github', '-p', 'kp', '-e', 'prod'])).toBe('Deleted trust domain github from kp/prod.\n');
    expect(job.run(['secrets', 'get', 'API_KEY']).code).toBe(3);
  });
});
