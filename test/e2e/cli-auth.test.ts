import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, hasScript, runOnTty, startServer, type TestServer } from './cli-harness.js';

let server: TestServer;
let admin: CliUser;

beforeAll(async () => {
  server = await startServer();
  admin = new CliUser(server.url);
}, 30_000);
afterAll(() => server?.stop());

const credFile = (u: CliUser) => join(u.home, '.config', 'bella-cli', 'credentials.json');

describe('bella login, whoami, logout', () => {
  it('logs in with --password-stdin and stores the session 0600 under ~/.config/bella-cli', () => {
    const out = admin.ok(['login', '--email', ADMIN_EMAIL, '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` });
    expect(out).toContain(`Logged in to ${server.url} as ${ADMIN_EMAIL}`);
    expect(statSync(credFile(admin)).mode & 0o777).toBe(0o600);
    expect(statSync(join(admin.home, '.config', 'bella-cli')).mode & 0o777).toBe(0o700);
    expect(readFileSync(credFile(admin), 'utf8')).not.toContain(ADMIN_PASSWORD);
  });

  it('shows who is logged in, as text and as JSON', () => {
    expect(admin.ok(['whoami'])).toMatch(/Actor:\s+User admin@example.com/);
    const who = admin.json<{ admin: boolean; actor: { email: string }; credentials: string }>(['whoami', '-o', 'json']);
    expect(who).toMatchObject({ admin: true, actor: { email: ADMIN_EMAIL }, credentials: 'stored session' });
  });

  it('refuses a wrong password with exit 3, records UserLoginFailed as Denied, and prints nothing on stdout', () => {
    const u = new CliUser(server.url);
    const r = u.run(['login', '--email', ADMIN_EMAIL, '--password-stdin'], { input: 'wrong-password-xx\n' });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('wrong email or password');
    const failed = admin.json<AuditEntry[]>(['audit', 'list', '--event', 'UserLoginFailed', '-o', 'json']);
    expect(failed[0]).toMatchObject({ outcome: 'Denied', resource: ADMIN_EMAIL });
  });

  it('tells a user who is not logged in how to log in (exit 3)', () => {
    const r = new CliUser(server.url).run(['projects', 'list']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`not logged in to ${server.url}`);
    expect(r.stderr).toContain('bella login --email');
  });

  it('refuses to prompt when stdin is not a terminal and says to use --password-stdin', () => {
    const r = new CliUser(server.url).run(['login', '--email', ADMIN_EMAIL]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
  });

  it.skipIf(!hasScript)('prompts for the password on a terminal without echoing it', async () => {
    const u = new CliUser(server.url);
    const r = await runOnTty(u, ['login', '--email', ADMIN_EMAIL], { waitFor: 'Password: ', answer: `${ADMIN_PASSWORD}\r` });
    expect(r.code).toBe(0);
    expect(r.output).toContain('Logged in');
    expect(r.output).not.toContain(ADMIN_PASSWORD);
    expect(u.ok(['whoami'])).toContain(ADMIN_EMAIL);
  });

  it('logs out on the server too, so a copied token stops working', () => {
    const u = new CliUser(server.url);
    u.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const saved = `${credFile(u)}.bak`;
    copyFileSync(credFile(u), saved);
    expect(u.ok(['logout'])).toContain(`Logged out of ${server.url}`);
    expect(u.run(['whoami']).code).toBe(3);
    copyFileSync(saved, credFile(u));
    const r = u.run(['projects', 'list']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('bella login');
    expect(u.ok(['logout'])).toContain('Logged out');
    expect(u.ok(['logout'])).toContain('Not logged in');
  });

  it('keeps logins per server URL', () => {
    const r = admin.run(['whoami'], { env: { BELLA_BAXTER_URL: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('not logged in to http://127.0.0.1:9');
  });
});

describe('API keys and HMAC signing', () => {
  let key = '';
  beforeAll(() => {
    admin.ok(['projects', 'create', 'keyed']);
    admin.ok(['environments', 'create', 'dev', '--project', 'keyed']);
    admin.ok(['secrets', 'set', 'TOKEN', 'v1', '-p', 'keyed', '-e', 'dev']);
    key = admin.ok(['api-keys', 'create', '-p', 'keyed', '-e', 'dev', '--name', 'reader', '--role', 'CONSUMER']).trim();
  });

  it('prints the key alone on stdout and the notice on stderr', () => {
    expect(key).toMatch(/^bax-[0-9a-f]{16}-[0-9a-f]{48}$/);
    const r = admin.run(['api-keys', 'create', '-p', 'keyed', '-e', 'dev', '--name', 'other']);
    expect(r.stderr).toContain('shown only once');
    expect(r.stdout.trim()).toMatch(/^bax-/);
  });

  it('uses BELLA_BAXTER_API_KEY with signed requests and takes project and environment from the key', () => {
    const u = new CliUser(server.url);
    expect(u.ok(['secrets', 'get', 'TOKEN'], { env: { BELLA_BAXTER_API_KEY: key } })).toBe('v1\n');
    const keyId = key.split('-')[1] as string;
    const reads = admin.json<AuditEntry[]>(['audit', 'list', '--project', 'keyed', '--actor-type', 'ApiKey', '-o', 'json']);
    expect(reads[0]).toMatchObject({ event: 'SecretRead', actor: { type: 'ApiKey', id: keyId, name: 'reader' }, outcome: 'Success' });
  });

  it('stores a key with login --api-key (read from stdin with "-") and uses its scope', () => {
    const u = new CliUser(server.url);
    expect(u.ok(['login', '--api-key', '-'], { input: `${key}\n` })).toContain('scope keyed/dev');
    expect(readFileSync(credFile(u), 'utf8')).toContain(key);
    expect(statSync(credFile(u)).mode & 0o777).toBe(0o600);
    expect(u.ok(['context', 'show'])).toMatch(/Project:\s+keyed\n.*Environment:\s+dev/s);
    expect(u.ok(['secrets', 'get', 'TOKEN'])).toBe('v1\n');
  });

  it('a key that is not permitted gets exit 3 and the refusal is audited as Denied', () => {
    const u = new CliUser(server.url);
    const r = u.run(['secrets', 'set', 'TOKEN', 'v2'], { env: { BELLA_BAXTER_API_KEY: key } });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const denied = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'keyed', '--outcome', 'Denied', '-o', 'json']);
    expect(denied.some((e) => e.actor.type === 'ApiKey' && e.resource === 'TOKEN')).toBe(true);
  });

  it('a revoked key is refused with exit 3 and a hint to check the key', () => {
    const id = key.split('-')[1] as string;
    expect(admin.ok(['api-keys', 'revoke', id])).toContain(`Revoked API key ${id}`);
    const r = new CliUser(server.url).run(['secrets', 'get', 'TOKEN'], { env: { BELLA_BAXTER_API_KEY: key } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('BELLA_BAXTER_API_KEY');
    expect(admin.json<{ revokedAt: string | null }[]>(['api-keys', 'list', '-p', 'keyed', '-e', 'dev', '-o', 'json']).find((k) => k.revokedAt)).toBeTruthy();
  });
});
