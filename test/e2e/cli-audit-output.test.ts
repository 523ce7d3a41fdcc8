import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_CSV_COLUMNS, type AccessEntry, type AuditEntry } from '../../src/contract/entries.js';
import { displayWidth } from '../../src/cli/output/text.js';
import { CliUser, ROOT, hasScript, runOnTty, startServer, type TestServer } from './cli-harness.js';
import { seedActivity, sessionToken, type Seeded } from './cli-seed.js';

let server: TestServer;
let s: Seeded;
const BULK = 1150;

beforeAll(async () => {
  server = await startServer();
  s = seedActivity(server);
  // Enough reads to need more than one 1000-entry page.
  const token = sessionToken(s.admin);
  const url = `${server.url}/api/v1/projects/my-api/environments/staging/secrets/FEATURE_FLAG`;
  for (let i = 0; i < BULK; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, BULK - i) }, () => fetch(url, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text())));
  }
}, 180_000);
afterAll(() => server?.stop());

describe('paging and limits', () => {
  it('exports every entry across pages of 1000, with the same rows in json, ndjson and csv', () => {
    const json = s.admin.json<AuditEntry[]>(['audit', 'list', '-o', 'json', '--event', 'SecretRead', '-e', 'staging']);
    expect(json.length).toBeGreaterThanOrEqual(BULK);
    expect(new Set(json.map((e) => e.id)).size).toBe(json.length);
    const nd = s.admin.ok(['audit', 'list', '-o', 'ndjson', '--event', 'SecretRead', '-e', 'staging']).trim().split('\n');
    expect(nd.map((l) => (JSON.parse(l) as AuditEntry).id)).toEqual(json.map((e) => e.id));
    const csv = parse(s.admin.ok(['audit', 'list', '-o', 'csv', '--event', 'SecretRead', '-e', 'staging']), { columns: true }) as Record<string, string>[];
    expect(csv.map((r) => r.requestId)).toEqual(json.map((e) => e.requestId));
  });

  it('a table shows 100 rows by default and a footer saying how to see more', () => {
    const r = s.admin.run(['audit', 'list', '-p', 'my-api'], { env: { COLUMNS: '200', BELLA_FORCE_TTY: '1' } });
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(1 + 100);
    // The footer goes to stderr, so stdout holds only the table.
    expect(r.stderr.trimEnd()).toBe(
      'Showing the newest 100 entries; more match. Use --limit 1000 to see more, narrow with --since/--until, or export everything with --output csv|json|ndjson.',
    );
  });

  it('--limit raises the table beyond one page, and the footer says when everything is shown', () => {
    const out = s.admin.ok(['audit', 'list', '--limit', '1100'], { env: { COLUMNS: '200', BELLA_FORCE_TTY: '1' } }).trimEnd().split('\n');
    expect(out).toHaveLength(1 + 1100);
    const few = s.admin.run(['audit', 'list', '--event', 'ApiKeyRevoked']);
    expect(few.stderr).toBe('Showing 1 entry, newest first.\n');
  });
});

describe('the table', () => {
  it.each([50, 60, 80, 100, 120, 160, 250])('fits a %i-column terminal', (cols) => {
    const out = s.admin.ok(['audit', 'list', '--limit', '60'], { env: { COLUMNS: String(cols), BELLA_FORCE_TTY: '1' } }).trimEnd().split('\n');
    for (const line of out) expect(displayWidth(line), line).toBeLessThanOrEqual(cols);
    // Below 80 columns even the essential columns are cut; from 80 up the time and event stay whole.
    expect(out[0]).toMatch(cols >= 80 ? /^TIME \(UTC\)\s+EVENT/ : /^TIME/);
  });

  it('paints Denied red when colour is forced, and never with NO_COLOR', () => {
    const forced = s.admin.ok(['audit', 'list', '--event', 'UserLogin,UserLoginFailed', '--limit', '1000'], { env: { FORCE_COLOR: '1', COLUMNS: '200', BELLA_FORCE_TTY: '1' } });
    expect(forced).toContain('\u001b[31mDenied\u001b[0m');
    expect(forced).not.toContain('\u001b[31mSuccess');
    const plain = s.admin.ok(['audit', 'list', '--event', 'UserLogin,UserLoginFailed', '--limit', '1000'], { env: { FORCE_COLOR: '1', NO_COLOR: '1', COLUMNS: '200', BELLA_FORCE_TTY: '1' } });
    expect(plain).not.toContain('\u001b[');
    expect(s.admin.ok(['audit', 'list'])).not.toContain('\u001b[');
  });

  it.skipIf(!hasScript)('paints Denied red on a terminal unless NO_COLOR is set', async () => {
    const tty = await runOnTty(s.admin, ['audit', 'list', '--event', 'UserLogin,UserLoginFailed', '--limit', '1000'], { env: { COLUMNS: '200', TERM: 'xterm' } });
    expect(tty.code).toBe(0);
    expect(tty.output).toContain('\u001b[31mDenied');
    const nc = await runOnTty(s.admin, ['audit', 'list', '--event', 'UserLogin,UserLoginFailed', '--limit', '1000'], { env: { COLUMNS: '200', TERM: 'xterm', NO_COLOR: '1' } });
    expect(nc.output).not.toContain('\u001b[31m');
  });

  it.skipIf(!hasScript)('shows a progress line on stderr when it is a terminal, and keeps it out of the file', async () => {
    const file = join(s.admin.cwd, 'progress.ndjson');
    // Shown once an export has run for BELLA_PROGRESS_DELAY_MS (default 1000; 0 here, so a quick export shows it too).
    const r = await runOnTty(s.admin, ['audit', 'list', '-o', 'ndjson'], { stdoutTo: file, env: { TERM: 'xterm', BELLA_PROGRESS_DELAY_MS: '0' } });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/audit entries: [\d,]+ fetched/);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(BULK);
    for (const l of lines) JSON.parse(l);
    const quick = await runOnTty(s.admin, ['audit', 'list', '-o', 'ndjson', '--limit', '3'], { stdoutTo: file, env: { TERM: 'xterm' } });
    expect(quick.output).not.toMatch(/fetched/);
  });

  it('prints no progress line when stderr is not a terminal', () => {
    const r = s.admin.run(['audit', 'list', '-o', 'json', '--limit', '5']);
    expect(r.stderr).toBe('');
  });
});

describe('errors', () => {
  it.each([
    [['audit', 'list', '--event', 'SecretRaed'], 'Valid events: SecretRead'],
    [['audit', 'list', '--since', '2026-13-01'], 'a date (2026-03-01'],
    [['audit', 'list', '--until', 'last week'], 'a duration back from now'],
    [['audit', 'list', '-o', 'xlsx'], 'table, json, csv, ndjson'],
    [['audit', 'list', '--limit', '-5'], ''],
    [['access', 'list', '--method', 'FETCH'], 'GET'],
  ])('%j is a usage error caught before any request (exit 2, nothing on stdout)', (args, hint) => {
    // Pointed at a dead address: had a request been sent, the exit code would be 5.
    const r = s.admin.run(args, { env: { BELLA_BAXTER_URL: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(hint);
  });

  it('a refused export leaves stdout empty and says why', async () => {
    await withStub((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unavailable', message: 'the audit store is unavailable', requestId: 'rid-503' } }));
    }, async (u) => {
      for (const format of ['json', 'csv', 'ndjson']) {
        const r = await u.runAsync(['audit', 'list', '-p', 'p', '-o', format], { env: { BELLA_BAXTER_API_KEY: STUB_KEY } });
        expect(r.code, format).toBe(5);
        expect(r.stdout, format).toBe('');
        expect(r.stderr).toContain('the audit store is unavailable (request id rid-503)');
      }
    });
  });

  it('an export that breaks off part-way leaves a pipe empty, a `>` file empty and a `>>` file as it was', async () => {
    await withStub((req, res) => {
      const format = new URL(req.url ?? '/', 'http://x').searchParams.get('format');
      res.writeHead(200, { 'content-type': 'text/plain' });
      // A thousand whole rows, then the connection drops: everything so far looks like a valid file.
      res.write(format === 'csv' ? 'timestamp,event\r\n' : format === 'json' ? '[' : '');
      for (let i = 0; i < 1000; i++) res.write(format === 'csv' ? `2026-03-01T00:00:00.000Z,SecretRead\r\n` : `${format === 'json' ? (i ? ',\n' : '\n') : ''}{"id":"e${i}"}${format === 'ndjson' ? '\n' : ''}`);
      setTimeout(() => res.destroy(), 50);
    }, async (u) => {
      for (const format of ['json', 'csv', 'ndjson']) {
        const piped = await u.runAsync(['audit', 'list', '-p', 'p', '-o', format], { env: { BELLA_BAXTER_API_KEY: STUB_KEY } });
        expect(piped.code, format).toBe(5);
        expect(piped.stdout, format).toBe('');
        expect(piped.stderr, format).toMatch(/the export from http:\/\/127\.0\.0\.1:\d+ broke off after [\d,]+ bytes/);

        const file = join(u.cwd, `broken.${format}`);
        const fresh = await shell(u, `node "$BELLA_BIN" audit list -p p -o ${format} > "${file}"`);
        expect(fresh.code, format).toBe(5);
        expect(fresh.stderr, format).toContain('broke off');
        expect(readFileSync(file, 'utf8'), format).toBe('');

        writeFileSync(file, 'earlier export\n');
        const appended = await shell(u, `node "$BELLA_BIN" audit list -p p -o ${format} >> "${file}"`);
        expect(appended.code, format).toBe(5);
        expect(readFileSync(file, 'utf8'), format).toBe('earlier export\n');
      }
    });
  });

  it('a JSON export that ends without its closing bracket is an error, not a document', async () => {
    await withStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('[\n{"id":"e1"}');
    }, async (u) => {
      const r = await u.runAsync(['audit', 'list', '-p', 'p', '-o', 'json'], { env: { BELLA_BAXTER_API_KEY: STUB_KEY } });
      expect(r.code).toBe(5);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('ended without its closing bracket');
    });
  });
});

describe('exports stream the server export endpoint', () => {
  const filters = ['--event', 'SecretRead', '-e', 'staging'];
  const api = async (format: string, extra = '') => {
    const res = await fetch(`${server.url}/api/v1/audit-logs/export?format=${format}&event=SecretRead&environment=staging${extra}`, { headers: { authorization: `Bearer ${sessionToken(s.admin)}` } });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  it.each(['json', 'csv', 'ndjson'])('%s is byte for byte the endpoint, piped or redirected to a file', async (format) => {
    const expected = await api(format);
    expect(Buffer.from(s.admin.ok(['audit', 'list', '-o', format, ...filters]), 'utf8').equals(expected)).toBe(true);
    const file = join(s.admin.cwd, `same.${format}`);
    const r = await shell(s.admin, `node "$BELLA_BIN" audit list -o ${format} --event SecretRead -e staging > "${file}"`);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file).equals(expected)).toBe(true);
  });

  it('--limit and --no-neutralize reach the endpoint', async () => {
    const expected = await api('csv', '&limit=5&neutralize=false');
    expect(s.admin.ok(['audit', 'list', '-o', 'csv', '--limit', '5', '--no-neutralize', ...filters])).toBe(expected.toString('utf8'));
    expect(expected.toString('utf8').trimEnd().split('\r\n')).toHaveLength(6);
  });

  it('>> appends a complete export after what the file held', async () => {
    const file = join(s.admin.cwd, 'appended.ndjson');
    writeFileSync(file, '{"earlier":true}\n');
    const r = await shell(s.admin, `node "$BELLA_BIN" audit list -o ndjson --limit 3 --event SecretRead >> "${file}"`);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('{"earlier":true}');
  });

  it('each export is recorded in the Audit Log as AuditLogExported with its format and filters', () => {
    s.admin.ok(['audit', 'list', '-o', 'csv', '--resource', 'NO_SUCH_THING', '--limit', '2']);
    const got = s.admin.json<AuditEntry[]>(['audit', 'list', '-o', 'json', '--event', 'AuditLogExported', '--limit', '1']);
    expect(got[0]?.event).toBe('AuditLogExported');
    expect(got[0]?.actor.email).toBe('admin@example.com');
    // The filters as the Access Log keeps them: names always, values only of known-safe filters.
    expect(got[0]?.details).toMatchObject({ format: 'csv', filters: { resource: '', limit: expect.anything() } });
  });
});

const STUB_KEY = `bax-${'a'.repeat(16)}-${'b'.repeat(48)}`;

/** Runs `body` against a stub server answering every request with `handler`. */
async function withStub(handler: (req: IncomingMessage, res: ServerResponse) => void, body: (u: CliUser) => Promise<void>): Promise<void> {
  const stub: Server = createServer(handler);
  await new Promise<void>((ok) => stub.listen(0, '127.0.0.1', ok));
  try {
    await body(new CliUser(`http://127.0.0.1:${(stub.address() as AddressInfo).port}`));
  } finally {
    stub.closeAllConnections();
    await new Promise<void>((ok) => stub.close(() => ok()));
  }
}

/** Runs a shell command line (for redirections) without blocking the event loop; $BELLA_BIN is the CLI. */
function shell(u: CliUser, cmd: string): Promise<{ code: number; stderr: string }> {
  const child = spawn('sh', ['-c', cmd], { cwd: u.cwd, env: { ...u.envFor({ BELLA_BAXTER_API_KEY: u.url === server.url ? '' : STUB_KEY }), BELLA_BIN: join(ROOT, 'bin/bella.js') }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((ok) => child.on('close', (code) => ok({ code: code ?? -1, stderr })));
}

describe('bella access list', () => {
  let all: AccessEntry[];
  beforeAll(async () => {
    // A request whose path carries commas, quotes and unicode: the Access Log keeps the raw path.
    await fetch(`${server.url}/api/v1/projects/my-api/environments/production/secrets/=1%2B2,%22q%22%E2%9C%93`, { headers: { authorization: `Bearer ${sessionToken(s.admin)}` } });
    all = s.admin.json<AccessEntry[]>(['access', 'list', '-o', 'json']);
  });
  const check = (flags: string[], pred: (e: AccessEntry) => boolean) => {
    const got = s.admin.json<AccessEntry[]>(['access', 'list', ...flags, '-o', 'json']);
    const expected = all.filter(pred);
    expect(expected.length).toBeGreaterThan(0);
    // Newer rows (these very listings) may have arrived since `all` was read; compare the common range.
    const known = new Set(all.map((e) => e.id));
    expect(got.filter((e) => known.has(e.id)).map((e) => e.id)).toEqual(expected.map((e) => e.id));
  };

  it('filters by method, status, path, actor, project and request id like an independent filter', () => {
    check(['--method', 'DELETE'], (e) => e.method === 'DELETE');
    check(['--status', '403'], (e) => e.status === 403);
    check(['--path', '/api/v1/projects'], (e) => e.path === '/api/v1/projects');
    check(['--actor', 'bob@example.com'], (e) => e.actor.email === 'bob@example.com');
    check(['-p', 'other'], (e) => e.projectSlug === 'other');
    const rid = (all.find((e) => e.method === 'PUT') as AccessEntry).requestId;
    check(['--request-id', rid], (e) => e.requestId === rid);
  });

  it('csv has the access header and parses back, commas and quotes in paths included', () => {
    const rows = parse(s.admin.ok(['access', 'list', '-o', 'csv', '--status', '400']), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] as object)).toEqual([...ACCESS_CSV_COLUMNS]);
    expect(rows.map((r) => r.path)).toContain('/api/v1/projects/my-api/environments/production/secrets/=1%2B2,%22q%22%E2%9C%93');
  });

  it('shows a table with the request path and a footer', () => {
    const r = s.admin.run(['access', 'list', '--limit', '3'], { env: { COLUMNS: '200', BELLA_FORCE_TTY: '1' } });
    const out = r.stdout.trimEnd().split('\n');
    expect(out[0]).toMatch(/^TIME \(UTC\)\s+METHOD\s+STATUS\s+MS\s+PATH/);
    expect(out).toHaveLength(4);
    expect(r.stderr).toContain('more match');
  });
});
