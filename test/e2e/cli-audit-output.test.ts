import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_CSV_COLUMNS, type AccessEntry, type AuditEntry } from '../../src/contract/entries.js';
import { displayWidth } from '../../src/cli/output/text.js';
import { CliUser, hasScript, runOnTty, startServer, type TestServer } from './cli-harness.js';
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
    const out = s.admin.ok(['audit', 'list', '-p', 'my-api'], { env: { COLUMNS: '200' } }).trimEnd().split('\n');
    expect(out).toHaveLength(1 + 100 + 1);
    expect(out.at(-1)).toBe(
      'Showing the newest 100 entries; more match. Use --limit 1000 to see more, narrow with --since/--until, or export everything with --output csv|json|ndjson.',
    );
  });

  it('--limit raises the table beyond one page, and the footer says when everything is shown', () => {
    const out = s.admin.ok(['audit', 'list', '--limit', '1100'], { env: { COLUMNS: '200' } }).trimEnd().split('\n');
    expect(out).toHaveLength(1 + 1100 + 1);
    const few = s.admin.ok(['audit', 'list', '--event', 'ApiKeyRevoked']).trimEnd().split('\n');
    expect(few.at(-1)).toBe('Showing 1 entry, newest first.');
  });
});

describe('the table', () => {
  it.each([50, 60, 80, 100, 120, 160, 250])('fits a %i-column terminal', (cols) => {
    const out = s.admin.ok(['audit', 'list', '--limit', '60'], { env: { COLUMNS: String(cols) } }).trimEnd().split('\n');
    for (const line of out.slice(0, -1)) expect(displayWidth(line), line).toBeLessThanOrEqual(cols);
    // Below 80 columns even the essential columns are cut; from 80 up the time and event stay whole.
    expect(out[0]).toMatch(cols >= 80 ? /^TIME \(UTC\)\s+EVENT/ : /^TIME/);
  });

  it('paints Denied red when colour is forced, and never with NO_COLOR', () => {
    const forced = s.admin.ok(['audit', 'list', '--outcome', 'Denied'], { env: { FORCE_COLOR: '1', COLUMNS: '200' } });
    expect(forced).toContain('\u001b[31mDenied\u001b[0m');
    expect(forced).not.toContain('\u001b[31mSuccess');
    const plain = s.admin.ok(['audit', 'list', '--outcome', 'Denied'], { env: { FORCE_COLOR: '1', NO_COLOR: '1', COLUMNS: '200' } });
    expect(plain).not.toContain('\u001b[');
    expect(s.admin.ok(['audit', 'list'])).not.toContain('\u001b[');
  });

  it.skipIf(!hasScript)('paints Denied red on a terminal unless NO_COLOR is set', async () => {
    const tty = await runOnTty(s.admin, ['audit', 'list', '--outcome', 'Denied'], { env: { COLUMNS: '200', TERM: 'xterm' } });
    expect(tty.code).toBe(0);
    expect(tty.output).toContain('\u001b[31mDenied');
    const nc = await runOnTty(s.admin, ['audit', 'list', '--outcome', 'Denied'], { env: { COLUMNS: '200', TERM: 'xterm', NO_COLOR: '1' } });
    expect(nc.output).not.toContain('\u001b[31m');
  });

  it.skipIf(!hasScript)('shows a progress line on stderr when it is a terminal, and keeps it out of the file', async () => {
    const file = join(s.admin.cwd, 'progress.ndjson');
    const r = await runOnTty(s.admin, ['audit', 'list', '-o', 'ndjson'], { stdoutTo: file, env: { TERM: 'xterm' } });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/audit entries: [\d,]+ fetched/);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(BULK);
    for (const l of lines) JSON.parse(l);
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

  it('a failure on a later page leaves stdout empty, so a redirected file never looks complete', async () => {
    const page = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ id: `e${from + i}`, seq: 5000 - from - i, timestamp: '2026-03-01T00:00:00.000Z', event: 'SecretRead', actor: { type: 'User', id: null, email: 'a@example.com', name: null, ip: null }, projectSlug: 'p', environmentSlug: 'e', resource: 'K', outcome: 'Success', requestId: 'r', userAgent: null, reason: null, details: {} }));
    const stub: Server = createServer((req, res) => {
      const cursor = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor');
      if (cursor === null) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ entries: page(1000, 0), nextCursor: 'c1' }));
      } else {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unavailable', message: 'the audit store is unavailable', requestId: 'rid-503' } }));
      }
    });
    await new Promise<void>((ok) => stub.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const u = new CliUser(url);
    const key = `bax-${'a'.repeat(16)}-${'b'.repeat(48)}`;
    for (const format of ['json', 'csv', 'ndjson']) {
      const r = await u.runAsync(['audit', 'list', '-p', 'p', '-o', format], { env: { BELLA_BAXTER_API_KEY: key } });
      expect(r.code, format).toBe(5);
      expect(r.stdout, format).toBe('');
      expect(r.stderr).toContain('the audit store is unavailable (request id rid-503)');
    }
    await new Promise<void>((ok) => stub.close(() => ok()));
  });
});

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
    const out = s.admin.ok(['access', 'list', '--limit', '3'], { env: { COLUMNS: '200' } }).trimEnd().split('\n');
    expect(out[0]).toMatch(/^TIME \(UTC\)\s+METHOD\s+STATUS\s+MS\s+PATH/);
    expect(out).toHaveLength(5);
    expect(out.at(-1)).toContain('more match');
  });
});
