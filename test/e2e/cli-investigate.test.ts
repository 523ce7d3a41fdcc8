import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, hasScript, ROOT, runOnTty, startServer, type TestServer } from './cli-harness.js';

/**
 * Issue 20 as a person investigating would meet it: one search syntax, piped output, the errors
 * that used to mislead, permalinks, and --follow across a server restart.
 */
let server: TestServer;
let admin: CliUser;
let mel: CliUser;

beforeAll(async () => {
  server = await startServer();
  admin = new CliUser(server.url);
  admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  admin.ok(['projects', 'create', 'my-api', '--name', 'My API']);
  admin.ok(['environments', 'create', 'production', '-p', 'my-api']);
  admin.ok(['environments', 'create', 'staging', '-p', 'my-api']);
  admin.ok(['users', 'create', '--email', 'mel@example.com', '--name', 'Mel', '--password-stdin'], { input: 'mel-password-long\n' });
  admin.ok(['members', 'add', '-p', 'my-api', '--user', 'mel@example.com', '--role', 'MEMBER']);
  admin.ok(['secrets', 'set', 'DB_PASSWORD', 'x', '-p', 'my-api', '-e', 'production']);
  admin.ok(['secrets', 'set', 'DB_PASSWORD', 'y', '-p', 'my-api', '-e', 'staging']);
  admin.ok(['secrets', 'set', 'API_TOKEN', 'z', '-p', 'my-api', '-e', 'production']);
  mel = new CliUser(server.url);
  mel.login('mel@example.com', 'mel-password-long');
  // A refusal: a MEMBER may not add members.
  mel.run(['members', 'add', '-p', 'my-api', '--user', 'mel@example.com', '--role', 'OWNER']);
}, 60_000);
afterAll(() => server?.stop());

describe('one search syntax', () => {
  it('--query and the positional form filter the same, ANDed with the flags', () => {
    const a = admin.ok(['audit', 'list', '-p', 'my-api', 'event:SecretCreated', 'resource:DB_*']);
    const b = admin.ok(['audit', 'list', '-p', 'my-api', '--query', 'event:SecretCreated resource:DB_*']);
    expect(a).toBe(b);
    expect(a.trim().split('\n')).toHaveLength(2);
    // A negated term after `--` (else the shell word -event:… reads as the -e flag).
    const prod = admin.ok(['audit', 'list', '-p', 'my-api', '-e', 'production', 'event:SecretCreated,SecretUpdated', '--', '-event:SecretUpdated']);
    expect(prod.trim().split('\n').map((l) => l.split('\t')[5]).sort()).toEqual(['API_TOKEN', 'DB_PASSWORD']);
  });

  it('a bad query exits 2 with the column and a caret, before any request', () => {
    const r = admin.run(['audit', 'list', 'evnt:SecretRead']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bella: invalid query: unknown key "evnt" at column 1; keys: actor, event, outcome,');
    expect(r.stderr).toContain('\n  evnt:SecretRead\n  ^\n');
  });
});

describe('piped output', () => {
  it('prints full values, tab-separated, and the count on stderr', () => {
    const r = admin.run(['audit', 'list', '-p', 'my-api']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes('DB_PASSWORD')).length).toBe(2);
    expect(lines.every((l) => !l.includes('…') && l.split('\t').length === 11)).toBe(true);
    expect(r.stdout).not.toContain('Showing');
    expect(r.stderr).toMatch(/^Showing \d+ entries, newest first\.\n$/);
    const none = admin.run(['audit', 'list', '-p', 'my-api', 'actor:nobody@example.com']);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'No entries match.\n' });
  });

  it('the table drops the columns the filters make constant and keeps ENV', () => {
    const out = admin.ok(['audit', 'list', '-p', 'my-api', '--event', 'SecretCreated'], { env: { COLUMNS: '80', BELLA_FORCE_TTY: '1' } });
    const header = out.split('\n')[0] as string;
    expect(header).toMatch(/ENV/);
    expect(header).not.toMatch(/PROJECT|EVENT/);
    expect(out).toMatch(/production/);
    expect(out).toMatch(/staging/);
  });

  it('Denied rows get a REASON column; the CSV has reason, userAgent and details after the first columns', () => {
    const out = admin.ok(['audit', 'list', '-p', 'my-api', 'outcome:Denied'], { env: { COLUMNS: '200', BELLA_FORCE_TTY: '1' } });
    expect(out.split('\n')[0]).toMatch(/REASON/);
    const csv = admin.ok(['audit', 'list', '-p', 'my-api', '-o', 'csv', '--limit', '1']);
    expect(csv.split('\r\n')[0]).toBe(
      'timestamp,event,actor.type,actor.email,actor.name,actor.ip,projectSlug,environmentSlug,resource,outcome,requestId,actor.client,reason,userAgent,details',
    );
  });

  it.skipIf(!hasScript)('pretty-prints JSON on a terminal', async () => {
    const r = await runOnTty(admin, ['audit', 'list', '-p', 'my-api', '-o', 'json', '--limit', '1']);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/\[\r?\n {2}\{\r?\n {4}"id": /);
  });
});

describe('errors that used to mislead', () => {
  it('an unknown environment exits 4 naming the valid ones', () => {
    const r = admin.run(['audit', 'list', '-p', 'my-api', '-e', 'prod']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('environment prod not found in project my-api; its environments: production, staging');
  });

  it('a MEMBER without log rights is refused, not told that nothing matches', () => {
    const r = mel.run(['audit', 'list', '-p', 'my-api']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('your role (MEMBER) may not read the logs in project my-api');
    expect(r.stderr).not.toContain('No entries match');
  });

  it('admin-only commands and API keys out of scope get hints that fit; no internal action names', () => {
    const r = mel.run(['admin', 'retention', 'show']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Only the instance admin may do this');
    expect(r.stderr).not.toContain('bella members add');
    const secret = admin.ok(['api-keys', 'create', '-p', 'my-api', '-e', 'staging', '--name', 'stg', '--role', 'CONSUMER']).trim();
    const k = admin.run(['secrets', 'get', 'DB_PASSWORD', '-p', 'my-api', '-e', 'production'], { env: { BELLA_BAXTER_API_KEY: secret } });
    expect(k.code).toBe(3);
    expect(k.stderr).toContain('this API key is scoped to my-api/staging');
    expect(k.stderr).toContain('An API key acts only in its own project and environment');
    const w = admin.run(['secrets', 'set', 'X', 'v', '-p', 'my-api', '-e', 'staging'], { env: { BELLA_BAXTER_API_KEY: secret } });
    expect(w.stderr).toContain('may not write or delete secrets');
    expect(w.stderr).not.toMatch(/cannot secret\./);
  });

  it('unknown flags read like the CLI\'s other errors; --help has examples, filters before output flags', () => {
    const r = admin.run(['audit', 'list', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bella: unknown option '--frobnicate'/);
    expect(r.stderr).not.toContain('error:');
    const help = admin.ok(['audit', 'list', '--help']);
    expect(help).toContain('Examples:');
    expect(help.indexOf('--query')).toBeLessThan(help.indexOf('--output'));
    expect(help.indexOf('--event')).toBeLessThan(help.indexOf('--output'));
  });

  it('shortening retention needs --yes when stdin is not a terminal', () => {
    const r = admin.run(['admin', 'retention', 'set', '--audit', '30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('This shortens the Audit Log from 365 to 30 days');
    expect(admin.ok(['admin', 'retention', 'show'])).toMatch(/Audit Log\s+365 days/);
    admin.ok(['admin', 'retention', 'set', '--audit', '30', '--yes']);
    expect(admin.ok(['admin', 'retention', 'show'])).toMatch(/Audit Log\s+30 days/);
    // Lengthening asks nothing.
    admin.ok(['admin', 'retention', 'set', '--audit', '365']);
  });

  it('--path matches the path without its query; --hide-own leaves out the caller', () => {
    admin.ok(['audit', 'list', '-p', 'my-api', '--limit', '1']);
    const all = admin.ok(['access', 'list', '--path', '/api/v1/audit-logs']);
    expect(all).toMatch(/\/api\/v1\/audit-logs\?project=my-api/);
    const others = admin.run(['access', 'list', '--path', '/api/v1/audit-logs', '--hide-own']);
    expect(others.stdout).not.toContain(ADMIN_EMAIL);
    expect(others.stdout).toContain('mel@example.com');
  });
});

describe('permalinks', () => {
  it('audit show ID prints the entry with its one-line summary; an unknown id exits 4', () => {
    const [e] = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'my-api', 'event:MemberAdded', 'outcome:Success', 'mel@example.com', '-o', 'json']);
    const out = admin.ok(['audit', 'show', e?.id as string]);
    expect(out.split('\n')[0]).toBe('admin@example.com added mel@example.com as MEMBER');
    expect(out).toContain(`id           ${e?.id}`);
    expect(admin.json<AuditEntry>(['audit', 'show', e?.id as string, '-o', 'json'])).toEqual(e);
    const r = admin.run(['audit', 'show', '0192f1a2-7b3c-7def-8123-456789abcdef']);
    expect(r.code).toBe(4);
    expect(mel.run(['audit', 'show', e?.id as string]).code).toBe(3);
  });
});

describe('--follow', () => {
  it('prints new entries as they commit and resumes across a server restart: no entry lost or repeated', async () => {
    // Its own server: it is restarted on the same port and data.
    let srv = await startServer();
    const port = Number(new URL(srv.url).port);
    const user = new CliUser(srv.url);
    try {
      user.login(ADMIN_EMAIL, ADMIN_PASSWORD);
      user.ok(['projects', 'create', 'tail', '--name', 'Tail']);
      user.ok(['environments', 'create', 'production', '-p', 'tail']);
      const child = spawn(process.execPath, [join(ROOT, 'bin/bella.js'), 'audit', 'list', '-p', 'tail', '--follow', '-o', 'ndjson', 'event:SecretCreated'], { cwd: user.cwd, env: user.envFor() });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const keys = () => out.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as AuditEntry).resource);
      const until = async (what: string, ok: () => boolean) => {
        const deadline = Date.now() + 30_000;
        while (!ok()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout:\n${out}\nstderr:\n${err}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await until('the tail to start', () => err.includes('Following'));
      await new Promise((r) => setTimeout(r, 500));
      for (const k of ['K1', 'K2']) await user.runAsync(['secrets', 'set', k, 'v', '-p', 'tail', '-e', 'production']);
      await until('K1 and K2', () => keys().length >= 2);
      await srv.halt();
      srv = await startServer({}, { dataDir: srv.dataDir, port });
      // Written as soon as the server is back, most likely before the tail has reconnected.
      for (const k of ['K3', 'K4', 'K5']) await user.runAsync(['secrets', 'set', k, 'v', '-p', 'tail', '-e', 'production']);
      await until('K5', () => keys().includes('K5'));
      await user.runAsync(['secrets', 'set', 'K6', 'v', '-p', 'tail', '-e', 'production']);
      await until('K6', () => keys().includes('K6'));
      await new Promise((r) => setTimeout(r, 600));
      child.kill('SIGINT');
      expect(keys()).toEqual(['K1', 'K2', 'K3', 'K4', 'K5', 'K6']);
      const seqs = out.trim().split('\n').map((l) => (JSON.parse(l) as AuditEntry).seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(err).toContain('reconnecting');
    } finally {
      await srv.stop();
    }
  }, 90_000);
});
