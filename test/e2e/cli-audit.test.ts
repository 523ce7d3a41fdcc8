import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS, type AuditEntry } from '../../src/contract/entries.js';
import { CliUser, startServer, type TestServer } from './cli-harness.js';
import { FORMULA_EMAIL, TRICKY_KEY_NAME, TRICKY_USER_NAME, seedActivity, type Seeded } from './cli-seed.js';

let server: TestServer;
let s: Seeded;
/** The whole Audit Log as the admin's unfiltered JSON export: the reference every filter is checked against. */
let all: AuditEntry[];

beforeAll(async () => {
  server = await startServer();
  s = seedActivity(server);
  all = s.admin.json<AuditEntry[]>(['audit', 'list', '--output', 'json']);
}, 120_000);
afterAll(() => server?.stop());

/** Rows of a piped listing: tab-separated cells, full values, no header (the count goes to stderr). */
function tableRows(out: string): string[][] {
  expect(out).not.toMatch(/^TIME \(UTC\)/);
  expect(out).not.toMatch(/Showing|No entries/);
  return out.trimEnd().split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

const wide = { env: { COLUMNS: '400' } };
const ids = (entries: readonly AuditEntry[]) => entries.map((e) => e.id);

/**
 * Every json/csv/ndjson listing is an export, recorded as AuditLogExported after `all` was taken, and
 * a listing refused to a caller without the right is an AccessDenied entry. Strips those newer
 * entries from the top of a listing (checking that they are nothing else), so the rest can be
 * compared with `all` exactly.
 */
const LISTING_EVENTS = new Set(['AuditLogExported', 'AccessDenied']);
function withoutLaterExports<R>(rows: readonly R[], count: number, eventOf: (r: R) => string): R[] {
  const later = rows.slice(0, rows.length - count);
  expect(later.every((r) => LISTING_EVENTS.has(eventOf(r))), `only listings may have been logged since: ${JSON.stringify(later.map(eventOf))}`).toBe(true);
  return rows.slice(rows.length - count);
}
const newest = () => (all[0] as AuditEntry).seq;
const sinceAll = (got: readonly AuditEntry[]) => {
  const later = got.filter((e) => e.seq > newest());
  expect(later.every((e) => LISTING_EVENTS.has(e.event)), `only listings may have been logged since: ${JSON.stringify(later.map((e) => e.event))}`).toBe(true);
  return got.filter((e) => e.seq <= newest());
};

describe('the seeded log', () => {
  it('holds every kind of event the commands produce, newest first', () => {
    const events = new Set(all.map((e) => e.event));
    for (const ev of ['ProjectCreated', 'EnvironmentCreated', 'UserCreated', 'UserLogin', 'UserLoginFailed', 'MemberAdded', 'MemberRemoved', 'SecretCreated', 'SecretUpdated', 'SecretRead', 'SecretDeleted', 'SecretsBulkPulled', 'ApiKeyCreated', 'ApiKeyRevoked']) {
      expect(events, ev).toContain(ev);
    }
    expect(all.some((e) => e.outcome === 'Denied')).toBe(true);
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  });
});

describe('the product page examples, line by line', () => {
  const expectTable = (args: string[], pred: (e: AuditEntry) => boolean, cwd?: string) => {
    const expected = all.filter(pred);
    expect(expected.length).toBeGreaterThan(0);
    const rows = tableRows(s.admin.ok(args, { ...wide, cwd }));
    expect(rows.map((r) => r[1])).toEqual(expected.slice(0, 100).map((e) => e.event));
    expect(rows.map((r) => r[0])).toEqual(expected.slice(0, 100).map((e) => e.timestamp));
  };

  it('bella audit list --project my-api', () => expectTable(['audit', 'list', '--project', 'my-api'], (e) => e.projectSlug === 'my-api'));
  it('bella audit list --project my-api --environment production', () =>
    expectTable(['audit', 'list', '--project', 'my-api', '--environment', 'production'], (e) => e.projectSlug === 'my-api' && e.environmentSlug === 'production'));
  it('bella audit list --project my-api --since 2026-03-01', () =>
    expectTable(['audit', 'list', '--project', 'my-api', '--since', '2026-03-01'], (e) => e.projectSlug === 'my-api' && e.timestamp >= '2026-03-01T00:00:00.000Z'));
  it('bella audit list --project my-api --actor alice@example.com', () =>
    expectTable(['audit', 'list', '--project', 'my-api', '--actor', 'alice@example.com'], (e) => e.projectSlug === 'my-api' && e.actor.email === 'alice@example.com'));
  it('bella audit list --project my-api --event SecretRead', () =>
    expectTable(['audit', 'list', '--project', 'my-api', '--event', 'SecretRead'], (e) => e.projectSlug === 'my-api' && e.event === 'SecretRead'));
  it('bella audit list --actor alice@example.com', () => expectTable(['audit', 'list', '--actor', 'alice@example.com'], (e) => e.actor.email === 'alice@example.com'));
  it('bella audit list --environment production --event SecretRead', () =>
    expectTable(['audit', 'list', '--environment', 'production', '--event', 'SecretRead'], (e) => e.environmentSlug === 'production' && e.event === 'SecretRead'));
  it('bella audit list --outcome Denied', () => {
    expectTable(['audit', 'list', '--outcome', 'Denied'], (e) => e.outcome === 'Denied');
    const events = all.filter((e) => e.outcome === 'Denied').map((e) => e.event);
    expect(events).toContain('UserLoginFailed');
    expect(events).toContain('SecretRead');
  });
  it('bella audit list --output json > audit.json', () => {
    const r = spawnSync('sh', ['-c', 'node "$BELLA_BIN" audit list --output json > audit.json'], { cwd: s.admin.cwd, env: { ...s.admin.envFor(), BELLA_BIN: join(process.cwd(), 'bin/bella.js') } });
    expect(r.status).toBe(0);
    const parsed = JSON.parse(readFileSync(join(s.admin.cwd, 'audit.json'), 'utf8')) as AuditEntry[];
    expect(ids(sinceAll(parsed))).toEqual(ids(all));
    expect(Object.keys(parsed[0] as object)).toEqual(['id', 'seq', 'timestamp', 'event', 'actor', 'projectSlug', 'environmentSlug', 'resource', 'outcome', 'requestId', 'userAgent', 'reason', 'details']);
  });
  it('bella audit list --output csv > audit.csv', () => {
    const r = spawnSync('sh', ['-c', 'node "$BELLA_BIN" audit list --output csv > audit.csv'], { cwd: s.admin.cwd, env: { ...s.admin.envFor(), BELLA_BIN: join(process.cwd(), 'bin/bella.js') } });
    expect(r.status).toBe(0);
    const rows = parse(readFileSync(join(s.admin.cwd, 'audit.csv'), 'utf8')) as string[][];
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(withoutLaterExports(rows.slice(1), all.length, (r) => r[1] as string).map((r) => r[10])).toEqual(all.map((e) => e.requestId ?? ''));
  });
});

describe('each filter matches an independent filter of the full JSON export', () => {
  const check = (flags: string[], pred: (e: AuditEntry) => boolean, user: CliUser = s.admin) => {
    const got = user.json<AuditEntry[]>(['audit', 'list', ...flags, '-o', 'json']);
    const expected = all.filter(pred);
    expect(expected.length, `no entries for ${flags.join(' ')}: the check would be vacuous`).toBeGreaterThan(0);
    expect(ids(sinceAll(got))).toEqual(ids(expected));
  };
  const mid = () => (all[Math.floor(all.length / 2)] as AuditEntry).timestamp;
  const keyId = () => s.key.split('-')[1] as string;

  it('--project', () => check(['--project', 'other'], (e) => e.projectSlug === 'other'));
  it('--environment', () => check(['--environment', 'staging'], (e) => e.environmentSlug === 'staging'));
  it('--since (inclusive) with an ISO date-time', () => check(['--since', mid()], (e) => e.timestamp >= mid()));
  it('--until (exclusive)', () => check(['--until', mid()], (e) => e.timestamp < mid()));
  it('--since with a duration', () => check(['--since', '1h'], (e) => Date.parse(e.timestamp) >= Date.now() - 3600e3 - 60e3));
  it('--actor by email, case-insensitively', () => check(['--actor', 'BOB@example.com'], (e) => e.actor.email === 'bob@example.com'));
  it('--actor by API key id', () => check(['--actor', keyId()], (e) => e.actor.id === keyId()));
  it('--actor-type', () => check(['--actor-type', 'ApiKey'], (e) => e.actor.type === 'ApiKey'));
  it('--event repeated', () => check(['--event', 'SecretCreated', '--event', 'SecretDeleted'], (e) => e.event === 'SecretCreated' || e.event === 'SecretDeleted'));
  it('--event comma-separated', () => check(['--event', 'ApiKeyCreated,ApiKeyRevoked'], (e) => e.event === 'ApiKeyCreated' || e.event === 'ApiKeyRevoked'));
  it('--outcome', () => check(['--outcome', 'Success'], (e) => e.outcome === 'Success'));
  it('--resource', () => check(['--resource', 'STRIPE_KEY'], (e) => e.resource === 'STRIPE_KEY'));
  it('--request-id', () => {
    const rid = (all.find((e) => e.event === 'SecretsBulkPulled') as AuditEntry).requestId as string;
    check(['--request-id', rid], (e) => e.requestId === rid);
  });
  it('--limit caps an export to the newest n', () => {
    // --until just after the newest entry of `all` leaves out the exports logged since.
    const until = new Date(Date.parse((all[0] as AuditEntry).timestamp) + 1).toISOString();
    const got = s.admin.json<AuditEntry[]>(['audit', 'list', '--limit', '7', '--until', until, '-o', 'json']);
    expect(ids(got)).toEqual(ids(all.slice(0, 7)));
  });
  it('several filters at once', () =>
    check(['-p', 'my-api', '-e', 'production', '--event', 'SecretRead', '--outcome', 'Denied'], (e) => e.projectSlug === 'my-api' && e.environmentSlug === 'production' && e.event === 'SecretRead' && e.outcome === 'Denied'));
});

describe('what a caller may read without --project', () => {
  it("a project OWNER sees only their projects' entries, not instance events", () => {
    const got = s.alice.json<AuditEntry[]>(['audit', 'list', '-o', 'json']);
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((e) => e.projectSlug === 'my-api')).toBe(true);
    expect(ids(sinceAll(got))).toEqual(ids(all.filter((e) => e.projectSlug === 'my-api')));
  });

  it('the instance admin sees instance events too', () => {
    expect(all.some((e) => e.projectSlug === null && e.event === 'UserCreated')).toBe(true);
  });

  it("uses the .bella context's project when there is one", () => {
    const dir = join(s.admin.cwd, 'other-repo');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.bella'), 'project = "other"\nenvironment = "dev"\n');
    const got = s.admin.json<AuditEntry[]>(['audit', 'list', '-o', 'json'], { cwd: dir });
    // The context's environment is not applied: the whole project's trail is shown.
    expect(ids(sinceAll(got))).toEqual(ids(all.filter((e) => e.projectSlug === 'other')));
  });

  it('uses BELLA_BAXTER_PROJECT', () => {
    const got = s.admin.json<AuditEntry[]>(['audit', 'list', '-o', 'json'], { env: { BELLA_BAXTER_PROJECT: 'other' } });
    expect(ids(sinceAll(got))).toEqual(ids(all.filter((e) => e.projectSlug === 'other')));
  });

  it('a project member without log access is refused with exit 3', () => {
    const r = s.bob.run(['audit', 'list', '--project', 'my-api']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
  });
});

describe('CSV, JSON and NDJSON exports', () => {
  const get = (e: AuditEntry, col: string): string => {
    let v: unknown = e;
    for (const part of col.split('.')) v = (v as Record<string, unknown> | null)?.[part];
    return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  const neutral = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

  it('csv parses back with csv-parse to exactly the JSON values, formulas neutralised', () => {
    const rows = withoutLaterExports(parse(s.admin.ok(['audit', 'list', '-o', 'csv']), { columns: true }) as Record<string, string>[], all.length, (r) => r.event as string);
    expect(rows).toHaveLength(all.length);
    rows.forEach((row, i) => {
      for (const col of AUDIT_CSV_COLUMNS) expect(row[col], col).toBe(neutral(get(all[i] as AuditEntry, col)));
    });
    const names = rows.map((r) => r['actor.name']);
    expect(names).toContain(`'${TRICKY_KEY_NAME}`);
    expect(names).toContain(`'${TRICKY_USER_NAME}`);
    expect(rows.map((r) => r.resource)).toContain(`'${FORMULA_EMAIL}`);
  });

  it('--no-neutralize writes every cell exactly as stored', () => {
    const rows = withoutLaterExports(parse(s.admin.ok(['audit', 'list', '-o', 'csv', '--no-neutralize']), { columns: true }) as Record<string, string>[], all.length, (r) => r.event as string);
    rows.forEach((row, i) => {
      for (const col of AUDIT_CSV_COLUMNS) expect(row[col], col).toBe(get(all[i] as AuditEntry, col));
    });
    expect(rows.map((r) => r['actor.name'])).toContain(TRICKY_KEY_NAME);
  });

  it("csv also parses back with Python's csv module", () => {
    const csv = s.admin.ok(['audit', 'list', '-o', 'csv', '--no-neutralize']);
    const py = spawnSync('python3', ['-c', 'import csv,sys,json; print(json.dumps(list(csv.reader(sys.stdin))))'], { input: csv, encoding: 'utf8' });
    if (py.status !== 0) return; // no python3 here: csv-parse above is the independent parser
    const rows = JSON.parse(py.stdout) as string[][];
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(withoutLaterExports(rows.slice(1), all.length, (r) => r[1] as string).map((r) => r[4])).toEqual(all.map((e) => e.actor.name ?? ''));
  });

  it('ndjson is one JSON entry per line, equal to the JSON array', () => {
    const lines = s.admin.ok(['audit', 'list', '-o', 'ndjson']).split('\n');
    expect(lines.pop()).toBe('');
    expect(sinceAll(lines.map((l) => JSON.parse(l) as AuditEntry))).toEqual(all);
  });

  it('an empty result is still a valid document', () => {
    expect(s.admin.json<unknown[]>(['audit', 'list', '--resource', 'NO_SUCH_THING', '-o', 'json'])).toEqual([]);
    expect(s.admin.ok(['audit', 'list', '--resource', 'NO_SUCH_THING', '-o', 'csv'])).toBe(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
    expect(s.admin.ok(['audit', 'list', '--resource', 'NO_SUCH_THING', '-o', 'ndjson'])).toBe('');
    expect(s.admin.run(['audit', 'list', '--resource', 'NO_SUCH_THING'])).toMatchObject({ code: 0, stdout: '', stderr: 'No entries match.\n' });
  });
});
