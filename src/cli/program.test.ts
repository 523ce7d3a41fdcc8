import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from './program.js';

/** Runs the CLI in-process against an address nothing listens on: any request would fail with exit 5. */
async function run(args: string[], vars: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const home = mkdtempSync(join(tmpdir(), 'bella-run-'));
  const code = await runCli(args, { stdout, stderr, stdin: new PassThrough().end() }, { HOME: home, BELLA_BAXTER_URL: 'http://127.0.0.1:9', ...vars }, home);
  return { code, out, err };
}

describe('exit codes', () => {
  it.each([
    [['audit', 'list', '--event', 'Nope'], 'Valid events'],
    [['audit', 'list', '--since', 'yesterday'], '15m'],
    [['audit', 'list', '--output', 'xml'], 'table, json, csv, ndjson'],
    [['audit', 'list', '--outcome', 'Maybe'], 'Success, Denied'],
    [['access', 'list', '--status', 'abc'], 'HTTP status'],
    [['secrets', 'get', 'BAD KEY', '-p', 'a', '-e', 'b'], 'letter or underscore'],
    [['members', 'add', '-p', 'a', '--user', 'alice@example.com', '--role', 'KING'], 'Valid roles'],
    [['login'], '--email'],
    [['login', '--api-key', 'not-a-key'], 'bax-'],
  ])('%j is a usage error (2) caught before any request, with nothing on stdout', async (args, hint) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(hint);
    // exit 5 would mean a request was attempted against the dead address
    expect(r.err).not.toContain('cannot reach');
  });

  it('reports unknown options and commands as usage errors', async () => {
    expect((await run(['audit', 'list', '--bogus'])).code).toBe(2);
    expect((await run(['bogus'])).code).toBe(2);
  });

  it('says how to log in when there are no credentials', async () => {
    const r = await run(['whoami']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('bella login --email');
    expect(r.out).toBe('');
  });

  it('asks for a project when none can be resolved', async () => {
    const r = await run(['secrets', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--project');
  });

  it('exits 5 naming the URL when the server is down', async () => {
    const r = await run(['audit', 'list', '-o', 'json'], { BELLA_BAXTER_API_KEY: `bax-${'1'.repeat(16)}-${'2'.repeat(48)}` });
    expect(r.code).toBe(5);
    expect(r.err).toContain('http://127.0.0.1:9');
    expect(r.err).toContain('BELLA_BAXTER_URL');
    expect(r.out).toBe('');
  });

  it('prints help on stderr and exits 2 when no command is given', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('Usage: bella');
  });

  it('refuses an empty secret value from stdin', async () => {
    const r = await run(['secrets', 'set', 'KEY', '-p', 'a', '-e', 'b'], { BELLA_BAXTER_API_KEY: `bax-${'1'.repeat(16)}-${'2'.repeat(48)}` });
    expect(r.code).toBe(2);
    expect(r.err).toContain('no value on stdin');
  });

  it('prints help and version with exit code 0', async () => {
    expect((await run(['--version'])).code).toBe(0);
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Exit codes');
  });
});
