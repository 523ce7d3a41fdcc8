import { searchCases } from './lib/search.js';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { createGroupCommitter } from '../src/audit/committer.js';
import { PRODUCT_EVENTS } from '../src/contract/events.js';
import { auditPageSql, auditWhere } from '../src/store/log-sql.js';
import { POSTGRES_DIALECT } from '../src/store/postgres/postgres-store.js';
import { ACCESS_COLUMNS, AUDIT_COLUMNS, accessValues, auditValues } from '../src/store/rows.js';
import type { AuditFilter, Store, Unit } from '../src/store/types.js';
import { readUnitRows } from './lib/drafts.js';
import { ACTORS, ENVIRONMENTS, PROJECTS, actorEmail, actorId } from './lib/generate.js';
import { percentile, type Report } from './lib/report.js';
import { ROOT, tempDir } from './lib/servers.js';

const HOST = '127.0.0.1';
const PORT = 5432;
const ADMIN_URL = `postgres://postgres@${HOST}:${PORT}/postgres`;
const DAY = 86_400_000;
const dialect = POSTGRES_DIALECT;

/** null when the PostgreSQL rows can run; otherwise why not (printed as "skipped: …"). */
export async function pgAvailability(): Promise<string | null> {
  if (!existsSync(join(ROOT, 'dist', 'src', 'store', 'postgres', 'postgres-store.js'))) return 'no PostgreSQL adapter (src/store/postgres) in this build';
  const open = await new Promise<boolean>((res) => {
    const s = createConnection({ host: HOST, port: PORT });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
    setTimeout(() => (s.destroy(), res(false)), 2000);
  });
  if (!open) return `nothing answers on ${HOST}:${PORT}`;
  try {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.end();
  } catch (e) {
    return `cannot connect as postgres to ${HOST}:${PORT}: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!existsSync('/usr/bin/psql')) return 'psql (the COPY baseline client) is not installed';
  return null;
}

/** A fresh database for one benchmark, dropped afterwards. */
export async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `bella_bench_${process.pid}_${Date.now() % 100000}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    return await fn(`postgres://postgres@${HOST}:${PORT}/${name}`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

export async function openPgStore(url: string): Promise<Store> {
  const { createPostgresStore } = await import('../src/store/postgres/postgres-store.js');
  const store = createPostgresStore({ url });
  await store.migrate();
  return store;
}

function psql(url: string, sql: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.once('exit', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`psql: ${err}`))));
  });
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * Benchmark 2 on PostgreSQL: the group committer over createPostgresStore (synchronous_commit on)
 * against COPY of the identical rows (psql \copy, the client-side COPY FROM STDIN) into the same schema.
 */
export async function benchPgIngest(report: Report, o: { units: number }): Promise<void> {
  const now = new Date().toISOString();
  const rows = Array.from({ length: o.units }, (_, i) => readUnitRows(i + 1, now));
  const committerS = await withDatabase(async (url) => {
    const store = await openPgStore(url);
    const committer = createGroupCommitter({ store, now: () => new Date() });
    const t0 = performance.now();
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < o.units; i += 500) {
      const turn: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(o.units, i + 500); j++) {
        const r = rows[j] as (typeof rows)[number];
        turn.push(committer.submit({ audit: [r.audit], access: [r.access] } satisfies Unit));
      }
      inflight.push(Promise.all(turn));
      if (inflight.length * 500 >= 4000) await inflight.shift();
      else await new Promise((r) => setImmediate(r));
    }
    await Promise.all(inflight);
    await committer.drain();
    const s = (performance.now() - t0) / 1000;
    report.extra.pgIngestWriter = (store as { writerStats?: () => unknown }).writerStats?.() ?? null;
    await store.close();
    return s;
  });
  const copyS = await withDatabase(async (url) => {
    const store = await openPgStore(url);
    await store.close();
    const tmp = tempDir('pgcopy');
    const a = join(tmp.dir, 'audit.csv');
    const c = join(tmp.dir, 'access.csv');
    writeFileSync(a, rows.map((r, i) => auditValues(i + 1, r.audit, r.audit.timestamp).map(csvCell).join(',')).join('\n') + '\n');
    writeFileSync(c, rows.map((r, i) => accessValues(i + 1, r.access, r.access.timestamp).map(csvCell).join(',')).join('\n') + '\n');
    const s =
      (await psql(url, `\\copy audit_log (${AUDIT_COLUMNS.join(', ')}) FROM '${a}' WITH (FORMAT csv)`)) +
      (await psql(url, `\\copy access_log (${ACCESS_COLUMNS.join(', ')}) FROM '${c}' WITH (FORMAT csv)`));
    tmp.remove();
    return s;
  });
  const rps = (2 * o.units) / committerS;
  const copyRps = (2 * o.units) / copyS;
  report.extra.pgIngest = { units: o.units, committerS, copyS };
  report.add({
    group: '2 ingest', metric: `PostgreSQL group committer, rows/s (${o.units.toLocaleString('en-US')} units) vs COPY`, unit: 'rows/s',
    value: rps, baseline: copyRps, ratio: rps / copyRps, target: 'ratio >= 0.80', met: rps / copyRps >= 0.8,
    note: writerNote(report.extra.pgIngestWriter as Record<string, number> | null, committerS),
  });
}

/** Where the committer's time went (src/store/postgres/writer-stats.ts), when the build counts it. */
function writerNote(w: Record<string, number> | null, wallS: number): string | undefined {
  if (!w || !w.batches) return undefined;
  const per = (k: string) => ((w[k] ?? 0) / (w.batches as number)).toFixed(1);
  const share = (k: string) => `${((100 * (w[k] ?? 0)) / 1000 / wallS).toFixed(0)}%`;
  return `${w.batches} batches (max ${w.maxUnits} units), per batch: ${per('roundTrips')} round trips, counters held ${per('lockHeldMs')} ms = inserts ${per('insertMs')} + commit ${per('commitMs')} + the runner's numbering/hashing/tree; of the wall time: held ${share('lockHeldMs')}, inserts ${share('insertMs')}, commit ${share('commitMs')}`;
}

/** Monthly partitions for the generated span, named and bounded as partitions.ts does. */
async function createPartitions(c: pg.Client, fromMs: number, toMs: number): Promise<void> {
  const { partitionName, partitionRange } = await import('../src/store/postgres/partitions.js');
  const d = new Date(fromMs);
  for (let y = d.getUTCFullYear(), m = d.getUTCMonth(); Date.UTC(y, m, 1) <= toMs; m++) {
    for (const table of ['audit_log', 'access_log'] as const) {
      const name = partitionName(table, y, m);
      const r = partitionRange(table, name) as { from: Date; to: Date };
      await c.query(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table} FOR VALUES FROM ('${r.from.toISOString()}') TO ('${r.to.toISOString()}')`);
    }
  }
}

/**
 * Benchmark 3 on PostgreSQL: the same generated distribution, produced inside PostgreSQL with
 * generate_series (fast: no client round trips) into monthly partitions as a 400-day-old server
 * would have them, ANALYZEd (autovacuum's steady state), then the same filters via store.auditLog.query.
 */
export async function benchPgQueries(report: Report, o: { entries: number; reps: number; targetMs: number }): Promise<void> {
  await withDatabase(async (url) => {
    const store = await openPgStore(url);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const now = Date.now();
    const start = now - 400 * DAY;
    await createPartitions(c, start, now);
    const t0 = performance.now();
    const arr = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]`;
    await c.query(`
      INSERT INTO audit_log (seq, id, ts, event, actor_type, actor_id, actor_email, actor_name, actor_ip, project_slug,
        environment_slug, resource, outcome, request_id, user_agent, reason, details)
      SELECT g, 'b0000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'),
        to_timestamp(${start / 1000} + (g - 1) * ${(now - start) / 1000 / o.entries}),
        (${arr(PRODUCT_EVENTS)})[1 + floor(random() * ${PRODUCT_EVENTS.length})::int],
        CASE WHEN a < 900 THEN 'User' ELSE 'ApiKey' END,
        '00000000-0000-4000-a000-' || lpad(to_hex(a), 12, '0'),
        CASE WHEN a < 900 THEN 'user' || a || '@example.com' END,
        CASE WHEN a < 900 THEN 'User ' || a ELSE 'key-' || a END,
        '10.1.' || (a >> 8) || '.' || (a & 255),
        (${arr(PROJECTS)})[1 + floor(random() * ${PROJECTS.length})::int],
        (${arr(ENVIRONMENTS)})[1 + floor(random() * ${ENVIRONMENTS.length})::int],
        'SECRET_' || floor(random() * 200)::int,
        CASE WHEN d THEN 'Denied' ELSE 'Success' END,
        '00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'), 'bella-cli/0.1.0', CASE WHEN d THEN 'forbidden' END,
        '{"version": 3}'::jsonb
      FROM (SELECT g, floor(random() * ${ACTORS})::int AS a, random() < 0.02 AS d FROM generate_series(1, ${o.entries}) g) s`);
    await c.query(`UPDATE log_seq SET last = ${o.entries} WHERE log = 'audit'`);
    await c.query('ANALYZE audit_log');
    const genS = (performance.now() - t0) / 1000;
    report.add({ group: '3 queries pg', metric: `generate ${o.entries.toLocaleString('en-US')} entries in PostgreSQL (+ ANALYZE)`, unit: 'rows/s', value: o.entries / genS, baseline: null, ratio: null, target: 'info', met: null, note: `${genS.toFixed(1)} s` });

    const iso = (ms: number) => new Date(ms).toISOString();
    const deepSeq = async (f: AuditFilter): Promise<{ filter: AuditFilter; pages: number }> => {
      const w = auditWhere(f, dialect);
      const n = Number((await c.query(`SELECT COUNT(*) AS n FROM audit_log ${w.sql}`, w.params)).rows[0].n);
      const pages = Math.min(1000, Math.floor((n - 1) / 100));
      const r = await c.query(`SELECT seq FROM audit_log ${w.sql} ORDER BY seq DESC LIMIT 1 OFFSET ${pages * 100 - 1}`, w.params);
      return { filter: { ...f, beforeSeq: Number(r.rows[0].seq) }, pages };
    };
    const cases: [string, AuditFilter][] = [
      ['no filter', {}],
      ['project', { project: 'proj-3' }],
      ['project + environment', { project: 'proj-3', environment: 'prod' }],
      ['since (last 24 h)', { since: iso(now - DAY) }],
      ['since 30 days + project', { since: iso(now - 30 * DAY), project: 'proj-3' }],
      ['until (older than 300 days)', { until: iso(now - 300 * DAY) }],
      ['actor (user email)', { actor: actorEmail(42) }],
      ['actor (API key id)', { actor: actorId(950) }],
      ['event SecretRead', { events: ['SecretRead'] }],
      ['outcome Denied', { outcome: 'Denied' }],
      ['environment + event', { environment: 'prod', events: ['SecretRead'] }],
      ['project + environment + event + Denied', { project: 'proj-3', environment: 'prod', events: ['SecretRead'], outcome: 'Denied' }],
      ['actor + event', { actor: actorEmail(42), events: ['SecretRead'] }],
      ['member scope (projectIn 3 projects)', { projectIn: ['proj-1', 'proj-3', 'proj-5'], includeInstance: false }],
    ];
    cases.push(...searchCases(new Date(now)));
    const d1 = await deepSeq({});
    const d2 = await deepSeq({ project: 'proj-3' });
    cases.push([`deep page (${d1.pages} pages by cursor), no filter`, d1.filter]);
    cases.push([`deep page (${d2.pages} pages by cursor), project`, d2.filter]);
    const plans: Record<string, unknown> = {};
    for (const [name, f] of cases) {
      const times: number[] = [];
      let reps = o.reps;
      for (let i = 0; i < reps + 2; i++) {
        const t = performance.now();
        await store.auditLog.query(f, 101);
        const ms = performance.now() - t;
        if (i >= 2) times.push(ms);
        if (i === 0 && ms > 10 * o.targetMs) reps = Math.min(reps, 5);
      }
      const p95 = percentile(times, 95);
      const w = auditPageSql(f, dialect, 101);
      const plan = (await c.query(`EXPLAIN ${w.sql}`, w.params)).rows.map((r: Record<string, string>) => r['QUERY PLAN']);
      plans[name] = { p50: percentile(times, 50), p95, plan: plan.slice(0, 6) };
      report.add({ group: '3 queries pg', metric: name, unit: 'ms', value: p95, baseline: null, ratio: null, target: `p95 <= ${o.targetMs} ms`, met: p95 <= o.targetMs });
    }
    report.extra.pgQueries = { entries: o.entries, plans };
    await c.end();
    await store.close();
  });
}
