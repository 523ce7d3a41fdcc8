import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, hasScript, runOnTty, startServer, type TestServer } from './cli-harness.js';

let server: TestServer;
let admin: CliUser;
let alice: CliUser;

beforeAll(async () => {
  server = await startServer();
  admin = new CliUser(server.url);
  admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  alice = new CliUser(server.url);
}, 30_000);
afterAll(() => server?.stop());

describe('projects, environments, users and members', () => {
  it('creates and lists projects and environments', () => {
    expect(admin.ok(['projects', 'create', 'my-api', '--name', 'My API'])).toBe('Created project my-api.\n');
    admin.ok(['environments', 'create', 'production', '--project', 'my-api']);
    admin.ok(['environments', 'create', 'staging', '-p', 'my-api', '--name', 'Staging']);
    expect(admin.ok(['projects', 'list'])).toMatch(/^SLUG\s+NAME\s+ROLE.*\nmy-api\s+My API\s+OWNER/);
    const envs = admin.json<{ slug: string }[]>(['environments', 'list', '-p', 'my-api', '-o', 'json']);
    expect(envs.map((e) => e.slug).sort()).toEqual(['production', 'staging']);
  });

  it('creates a user (instance admin) and lists users', () => {
    expect(admin.ok(['users', 'create', '--email', 'alice@example.com', '--name', 'Alice', '--password-stdin'], { input: 'alice-password-123\n' })).toContain(
      'Created user alice@example.com',
    );
    expect(admin.ok(['users', 'list'])).toMatch(/alice@example.com\s+Alice\s+no/);
    alice.login('alice@example.com', 'alice-password-123');
  });

  it('refuses users create from a non-admin with exit 3', () => {
    const r = alice.run(['users', 'create', '--email', 'eve@example.com', '--password-stdin'], { input: 'eve-password-1234\n' });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/forbidden|not permitted|admin/i);
  });

  it('adds and removes members at project and environment level', () => {
    expect(admin.ok(['members', 'add', '--project', 'my-api', '--user', 'alice@example.com', '--role', 'AUDITOR'])).toContain('alice@example.com is now AUDITOR on my-api');
    admin.ok(['members', 'add', '-p', 'my-api', '-e', 'staging', '--user', 'alice@example.com', '--role', 'CONSUMER']);
    const members = admin.json<{ email: string; role: string; environmentSlug: string | null }[]>(['members', 'list', '-p', 'my-api', '-o', 'json']);
    expect(members).toContainEqual(expect.objectContaining({ email: 'alice@example.com', role: 'AUDITOR', environmentSlug: null }));
    expect(members).toContainEqual(expect.objectContaining({ email: 'alice@example.com', role: 'CONSUMER', environmentSlug: 'staging' }));
    expect(admin.ok(['members', 'remove', '-p', 'my-api', '-e', 'staging', '--user', 'alice@example.com'])).toContain('Removed alice@example.com from my-api/staging');
    const events = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'my-api', '--resource', 'alice@example.com', '-o', 'json']).map((e) => e.event);
    expect(events).toEqual(['MemberRemoved', 'MemberAdded', 'MemberAdded']);
  });

  it('restricts and lifts an environment: its first member restricted it, removing that member did not lift it', () => {
    const staging = () => admin.json<{ slug: string; restricted: boolean }[]>(['environments', 'list', '-p', 'my-api', '-o', 'json']).find((e) => e.slug === 'staging');
    expect(staging()?.restricted).toBe(true);
    expect(admin.ok(['environments', 'unrestrict', 'staging', '-p', 'my-api'])).toBe('my-api/staging is no longer restricted.\n');
    expect(staging()?.restricted).toBe(false);
    expect(admin.ok(['environments', 'restrict', 'staging', '-p', 'my-api'])).toBe('my-api/staging is restricted to its own members.\n');
    const refused = alice.run(['environments', 'unrestrict', 'staging', '-p', 'my-api']);
    expect(refused.code).toBe(3);
    expect(staging()?.restricted).toBe(true);
    const events = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'my-api', '--event', 'RestrictionChanged', '-o', 'json']);
    expect(events.map((e) => [e.outcome, e.details.restricted ?? null])).toEqual([['Denied', null], ['Success', true], ['Success', false], ['Success', true]]);
    admin.ok(['environments', 'unrestrict', 'staging', '-p', 'my-api']);
  });

  it('exits 4 for an unknown project or user, 1 for a conflict, 2 for a role of the wrong level', () => {
    const nf = admin.run(['environments', 'list', '-p', 'nope']);
    expect(nf.code).toBe(4);
    expect(nf.stderr).toContain('bella projects list');
    expect(admin.run(['members', 'add', '-p', 'my-api', '--user', 'ghost@example.com']).code).toBe(4);
    const dup = admin.run(['projects', 'create', 'my-api']);
    expect(dup.code).toBe(1);
    expect(dup.stdout).toBe('');
    expect(admin.run(['members', 'add', '-p', 'my-api', '-e', 'staging', '--user', 'alice@example.com', '--role', 'AUDITOR']).code).toBe(2);
  });
});

describe('secrets and pull', () => {
  it('sets a value from the argument, from stdin, and reads it back', () => {
    expect(admin.ok(['secrets', 'set', 'DATABASE_URL', 'postgres://db/x', '-p', 'my-api', '-e', 'production'])).toBe(
      'Created DATABASE_URL in my-api/production (version 1).\n',
    );
    expect(admin.ok(['secrets', 'set', 'MULTI', '-p', 'my-api', '-e', 'production'], { input: "line 1\nit's \"two\" $HOME\n" })).toContain('Created MULTI');
    expect(admin.ok(['secrets', 'get', 'MULTI', '-p', 'my-api', '-e', 'production'])).toBe('line 1\nit\'s "two" $HOME\n');
    expect(admin.ok(['secrets', 'set', 'DATABASE_URL', 'postgres://db/y', '-p', 'my-api', '-e', 'production'])).toContain('Updated DATABASE_URL');
    // Earlier versions stay readable; a bad version number is a usage error before any request.
    expect(admin.ok(['secrets', 'get', 'DATABASE_URL', '--at-version', '1', '-p', 'my-api', '-e', 'production'])).toBe('postgres://db/x\n');
    expect(admin.run(['secrets', 'get', 'DATABASE_URL', '--at-version', 'x', '-p', 'my-api', '-e', 'production']).code).toBe(2);
    expect(admin.run(['secrets', 'get', 'DATABASE_URL', '--at-version', '9', '-p', 'my-api', '-e', 'production']).code).toBe(4);
    const list = admin.ok(['secrets', 'list', '-p', 'my-api', '-e', 'production']);
    expect(list).toMatch(/DATABASE_URL\s+2/);
    expect(list).not.toContain('postgres://');
  });

  it.skipIf(!hasScript)('prompts for an omitted value on a terminal without echoing it', async () => {
    const r = await runOnTty(admin, ['secrets', 'set', 'PROMPTED', '-p', 'my-api', '-e', 'production'], { waitFor: 'Value for PROMPTED: ', answer: 'tty-s3cret-value\r' });
    expect(r.code).toBe(0);
    expect(r.output).not.toContain('tty-s3cret-value');
    expect(admin.ok(['secrets', 'get', 'PROMPTED', '-p', 'my-api', '-e', 'production'])).toBe('tty-s3cret-value\n');
  });

  it('resolves project and environment from .bella, walking up from a subdirectory', () => {
    const repo = join(admin.cwd, 'repo');
    mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
    expect(admin.ok(['context', 'init', 'my-api', 'production'], { cwd: repo })).toContain('.bella');
    expect(readFileSync(join(repo, '.bella'), 'utf8')).toBe('project = "my-api"\nenvironment = "production"\n');
    expect(admin.run(['context', 'init', 'my-api'], { cwd: repo }).code).toBe(1);
    expect(admin.ok(['secrets', 'get', 'DATABASE_URL'], { cwd: join(repo, 'src', 'deep') })).toBe('postgres://db/y\n');
  });

  it('lets BELLA_BAXTER_PROJECT / BELLA_BAXTER_ENV override .bella, and flags override both', () => {
    const repo = join(admin.cwd, 'repo');
    admin.ok(['secrets', 'set', 'ONLY_STAGING', 'st', '-p', 'my-api', '-e', 'staging']);
    const env = { BELLA_BAXTER_ENV: 'staging' };
    expect(admin.ok(['secrets', 'get', 'ONLY_STAGING'], { cwd: repo, env })).toBe('st\n');
    expect(admin.run(['secrets', 'get', 'ONLY_STAGING'], { cwd: repo }).code).toBe(4);
    expect(admin.ok(['secrets', 'get', 'DATABASE_URL', '-e', 'production'], { cwd: repo, env })).toBe('postgres://db/y\n');
    expect(admin.ok(['context', 'show'], { cwd: repo, env })).toMatch(/Project:\s+my-api\nEnvironment:\s+staging/);
  });

  it('pull writes .env with mode 0600 and never overwrites it without --force', () => {
    const dir = join(admin.cwd, 'pull');
    mkdirSync(dir);
    writeFileSync(join(dir, '.bella'), 'project = "my-api"\nenvironment = "production"\n');
    const file = join(dir, '.env');
    // MULTI mixes a single quote with " and $: no .env quoting is inert in a shell and exact for
    // dotenv at once, so the pull refuses (naming the key) and writes nothing.
    const refused = admin.run(['pull'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('MULTI');
    expect(refused.stderr).toContain('-o json');
    expect(existsSync(file)).toBe(false);
    admin.ok(['secrets', 'set', 'MULTI', '-p', 'my-api', '-e', 'production'], { input: 'line 1\n"two" $HOME\n' });
    expect(admin.ok(['pull'], { cwd: dir })).toContain('Wrote 3 secrets from my-api/production');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`DATABASE_URL='postgres://db/y'\nMULTI='line 1\n"two" $HOME'\nPROMPTED='tty-s3cret-value'\n`.replace(hasScript ? '' : "PROMPTED='tty-s3cret-value'\n", ''));
    writeFileSync(file, 'MINE=1\n');
    const again = admin.run(['pull'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('MINE=1\n');
    admin.ok(['pull', '--force'], { cwd: dir });
    expect(readFileSync(file, 'utf8')).toContain('DATABASE_URL=');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('pull prints json, yaml or dotenv to stdout, or writes a named file in the format of its extension', () => {
    const dir = join(admin.cwd, 'pull');
    const json = admin.json<Record<string, string>>(['pull', '-o', 'json'], { cwd: dir });
    expect(json.DATABASE_URL).toBe('postgres://db/y');
    expect(admin.ok(['pull', '-o', 'yaml'], { cwd: dir })).toContain('"DATABASE_URL": "postgres://db/y"');
    expect(admin.ok(['pull', '-o', 'dotenv'], { cwd: dir })).toContain("DATABASE_URL='postgres://db/y'");
    admin.ok(['pull', '-o', 'secrets.json'], { cwd: dir });
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).toEqual(json);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const bulk = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'my-api', '--event', 'SecretsBulkPulled', '-o', 'json']);
    expect(bulk.length).toBeGreaterThanOrEqual(5);
  });

  it('deletes a secret, and a second delete is not found (exit 4)', () => {
    expect(admin.ok(['secrets', 'delete', 'ONLY_STAGING', '-p', 'my-api', '-e', 'staging'])).toContain('Deleted ONLY_STAGING');
    expect(admin.run(['secrets', 'delete', 'ONLY_STAGING', '-p', 'my-api', '-e', 'staging']).code).toBe(4);
  });

  it('an AUDITOR may not read secret values: exit 3, nothing on stdout', () => {
    const r = alice.run(['secrets', 'get', 'DATABASE_URL', '-p', 'my-api', '-e', 'production']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
  });
});

describe('bella admin retention', () => {
  it('shows and changes the retention windows, recorded as RetentionChanged', () => {
    expect(admin.ok(['admin', 'retention', 'show'])).toMatch(/Audit Log\s+365 days/);
    expect(admin.ok(['admin', 'retention', 'set', '--audit', '400d', '--access', '30d', '--yes'])).toMatch(/Audit Log\s+400 days[\s\S]*Access Log\s+30 days/);
    const changed = admin.json<AuditEntry[]>(['audit', 'list', '--event', 'RetentionChanged', '-o', 'json']);
    expect(changed).toHaveLength(1);
    expect(admin.run(['admin', 'retention', 'set', '--audit', 'forever']).code).toBe(2);
    expect(alice.run(['admin', 'retention', 'show']).code).toBe(3);
  });
});

describe('server unavailable', () => {
  it('exits 5 naming the URL it tried', () => {
    const r = admin.run(['projects', 'list'], { env: { BELLA_BAXTER_URL: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('cannot reach Bella Baxter at http://127.0.0.1:9');
    expect(r.stdout).toBe('');
  });
});
