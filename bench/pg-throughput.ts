import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { join } from 'node:path';
import { createGroupCommitter } from '../src/audit/committer.js';
import { environment, project } from '../src/store/conformance/fixtures.js';
import type { Store } from '../src/store/types.js';
import { readUnitRows } from './lib/drafts.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { cpuSeconds } from './lib/proc.js';
import { percentile, type Report } from './lib/report.js';
import { BELLA_SERVER, startBella, tempDir } from './lib/servers.js';
import { createFixture } from './lib/setup.js';
import { startDelayLink } from './delay-link.js';
import { openPgStore, withDatabase } from './postgres.js';

const G = '10 pg throughput';
/** One-way latency of the link in front of the database for the "database with headroom" case (a round trip of ~2-3 ms, as across zones). */
const LINK_MS = 1;
/** pgbench gaining less than this with 1.5 times the clients means the database (here: the machine it shares) is saturated. */
const HEADROOM = 1.2;
const PGBENCH = '/usr/bin/pgbench';

/**
 * pgbench's transaction of the same shape as an audited read: 4 point reads by primary key, 2
 * inserts into tables with two indexes each (like the two log rows), one durable commit.
 */
const PGBENCH_SETUP = `
  DROP TABLE IF EXISTS pb_items, pb_audit, pb_access;
  CREATE TABLE pb_items (id int PRIMARY KEY, slug text NOT NULL, payload text NOT NULL);
  INSERT INTO pb_items SELECT g, 'item-' || g, repeat('x', 120) FROM generate_series(1, 1000) g;
  CREATE TABLE pb_audit (seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, ts timestamptz NOT NULL, actor text, resource text, details jsonb);
  CREATE INDEX ON pb_audit (ts);
  CREATE TABLE pb_access (seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, ts timestamptz NOT NULL, path text, status int);
  CREATE INDEX ON pb_access (ts);
  ANALYZE pb_items;`;
const PGBENCH_SCRIPT = `\\set a random(1, 1000)
\\set b random(1, 1000)
BEGIN;
SELECT * FROM pb_items WHERE id = :a;
SELECT * FROM pb_items WHERE id = :b;
SELECT * FROM pb_items WHERE id = (:a % 1000) + 1;
SELECT * FROM pb_items WHERE id = (:b % 1000) + 1;
INSERT INTO pb_audit (id, ts, actor, resource, details) VALUES (gen_random_uuid()::text, now(), 'ci-deploy', 'DATABASE_URL', '{"version": 3}');
INSERT INTO pb_access (id, ts, path, status) VALUES (gen_random_uuid()::text, now(), '/api/v1/projects/bench/environments/prod/secrets/DATABASE_URL', 200);
COMMIT;
`;

/** Busy and total jiffies of the whole machine (every core), from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const f = ((readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9)).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** Where the CPU went over a window: whole machine (busy share of all cores) and this database's backends (cores). */
export interface CpuShare {
  /** busy share of all the machine's cores (1.0 = every core busy, whoever used it: other benchmarks and teammates too) */
  machineBusy: number;
  cores: number;
  /** CPU of this database's PostgreSQL backends, in cores (1.0 = one full core) */
  pgBackends: number;
  /** CPU of each Bella server process, in cores */
  servers: number[];
}

/**
 * Starts sampling, every 200 ms, the CPU time of the PostgreSQL backends serving `url`'s database
 * (local processes: /proc has them), of `serverPids` and of the whole machine; stop() returns the
 * shares. A backend that appears later is counted from its start (its whole life is in the window);
 * one that exits keeps its last sample, and the window ends at the last sample that found backends
 * (pgbench's exit with its backends, for instance, takes their CPU time out of /proc).
 */
async function cpuWindow(url: string, serverPids: readonly number[] = []): Promise<{ stop(): Promise<CpuShare> }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const s0 = serverPids.map(cpuSeconds);
  const m0 = machineTicks();
  const t0 = performance.now();
  let end = { m: m0, t: t0, s: s0 };
  const sample = async (initial: boolean) => {
    const r = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    let alive = 0;
    for (const { pid } of r.rows) {
      const v = cpuSeconds(pid);
      if (!Number.isFinite(v)) continue;
      alive++;
      if (!first.has(pid)) first.set(pid, initial ? v : 0);
      last.set(pid, v);
    }
    if (alive > 0 || initial) end = { m: machineTicks(), t: performance.now(), s: serverPids.map(cpuSeconds) };
  };
  await sample(true);
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= sample(false).catch(() => undefined).finally(() => (running = null));
  }, 200);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await sample(false).catch(() => undefined);
      await c.end();
      const wall = (end.t - t0) / 1000;
      let pgCpu = 0;
      for (const [pid, v] of last) pgCpu += v - (first.get(pid) ?? 0);
      return {
        machineBusy: (end.m.busy - m0.busy) / Math.max(1, end.m.total - m0.total),
        cores: availableParallelism(),
        pgBackends: wall > 0 ? pgCpu / wall : NaN,
        servers: end.s.map((x, i) => (wall > 0 ? (x - (s0[i] as number)) / wall : NaN)),
      };
    },
  };
}

const fmtCpu = (c: CpuShare): string =>
  `machine ${(100 * c.machineBusy).toFixed(0)}% busy of ${c.cores} cores, PostgreSQL backends ${c.pgBackends.toFixed(2)} cores${c.servers.length ? `, server${c.servers.length > 1 ? 's' : ''} ${c.servers.map((x) => x.toFixed(2)).join(' + ')} cores` : ''}`;

/** pgbench with the script above: transactions per second (without connection time), and the CPU it took. */
async function pgbench(url: string, clients: number, secs: number): Promise<{ tps: number; cpu: CpuShare; p50: number; p99: number }> {
  const tmp = tempDir('pgbench');
  const script = join(tmp.dir, 'audited-read.sql');
  writeFileSync(script, PGBENCH_SCRIPT);
  try {
    await run('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', PGBENCH_SETUP]);
    // The window covers pgbench's whole run, its clients' connections included (see cpuWindow).
    const win = await cpuWindow(url);
    // -l: one line per transaction (client, number, latency µs, ...), one file per thread: the
    // database's own latency percentiles for this transaction at this load, beside Bella's p99.
    const prefix = join(tmp.dir, 'pb');
    const out = await run(PGBENCH, ['-n', '-c', String(clients), '-j', '2', '-T', String(secs), '-l', `--log-prefix=${prefix}`, '-f', script, url]);
    const cpu = await win.stop();
    const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
    if (!m) throw new Error(`pgbench printed no tps: ${out}`);
    const lat = readdirSync(tmp.dir)
      .filter((f) => f.startsWith('pb.'))
      .flatMap((f) => readFileSync(join(tmp.dir, f), 'utf8').split('\n'))
      .map((l) => Number(l.split(' ')[2]) / 1000)
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    const pct = (q: number) => (lat.length ? (lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] as number) : NaN);
    return { tps: Number(m[1]), cpu, p50: pct(0.5), p99: pct(0.99) };
  } finally {
    tmp.remove();
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? resolve(out + err) : reject(new Error(`${cmd}: ${err}`))));
  });
}

type Stats = Readonly<Record<string, number>>;
/** The committer's counters; {} on a build without them (the same bench runs against an older tree for before/after). */
const statsOf = (s: Store): Stats => (s as { writerStats?: () => Stats }).writerStats?.() ?? {};
const delta = (a: Stats, b: Stats): Record<string, number> => Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (k === 'maxUnits' ? 0 : (a[k] ?? 0))]));

/**
 * The audited read at the store level, without HTTP: `nodes` store instances (each its own writer
 * connection, read pool and group committer, as a server process has) on one database, `clients`
 * concurrent callers spread over them, each doing 4 point reads through the store's ports and then
 * submitting the read's two log rows and waiting until they are durable. Reads the committers'
 * counters (src/store/postgres/writer-stats.ts) over the measured window.
 */
async function storeLevel(url: string, nodes: number, clients: number, secs: number) {
  const stores: Store[] = [];
  for (let i = 0; i < nodes; i++) stores.push(await openPgStore(url));
  const p = project('bench');
  const e = environment(p, 'prod');
  await (stores[0] as Store).commitBatch([{ work: async (tx) => (await tx.projects.insert(p), await tx.projects.insertEnvironment(e)), audit: [], access: [] }]);
  const committers = stores.map((store) => createGroupCommitter({ store, now: () => new Date() }));
  let n = 0;
  let measuring = false;
  let done = 0;
  const lat: number[] = [];
  let stop = false;
  const client = async (k: number) => {
    const store = stores[k % nodes] as Store;
    const committer = committers[k % nodes] as ReturnType<typeof createGroupCommitter>;
    while (!stop) {
      const t = performance.now();
      await store.projects.getBySlug('bench');
      await store.projects.getEnvironment(p.id, 'prod');
      await store.apiKeys.get(`key-${k}`);
      await store.secrets.get(e.id, 'DATABASE_URL');
      const r = readUnitRows(++n + k * 10_000_000, new Date().toISOString());
      await committer.submit({ audit: [r.audit], access: [r.access] });
      if (measuring) {
        done++;
        lat.push(performance.now() - t);
      }
    }
  };
  const running = Array.from({ length: clients }, (_, k) => client(k));
  await new Promise((r) => setTimeout(r, 1500));
  const win = await cpuWindow(url, [process.pid]);
  const before = stores.map(statsOf);
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, secs * 1000));
  measuring = false;
  const wall = (performance.now() - t0) / 1000;
  const after = stores.map(statsOf);
  const cpu = await win.stop();
  stop = true;
  await Promise.all(running);
  for (const c of committers) await c.drain();
  for (const s of stores) await s.close();
  const d = after.map((a, i) => delta(before[i] as Stats, a));
  const sum = (k: string) => d.reduce((x, y) => x + (y[k] ?? 0), 0);
  const batches = sum('batches');
  return {
    rps: done / wall,
    p99: percentile(lat, 99),
    cpu,
    perBatch: batches > 0 ? {
      batches, unitsPerBatch: sum('units') / batches, maxUnits: Math.max(...d.map((x) => x.maxUnits ?? 0)),
      roundTrips: sum('roundTrips') / batches, lockWaitMs: sum('lockWaitMs') / batches, lockHeldMs: sum('lockHeldMs') / batches, commitMs: sum('commitMs') / batches, insertMs: sum('insertMs') / batches,
      /** batches whose one-message commit failed on a row and were replayed unit by unit (absent on older builds) */
      replays: d.every((x) => 'replays' in x) ? sum('replays') : NaN,
      /** share of the window during which some node held the counters (> 1 would mean overlap) */
      lockBusy: sum('lockHeldMs') / 1000 / wall,
    } : null,
  };
}

/**
 * Real bella-server processes on one database, the same audited read over HTTP, 50 connections split
 * between them. Servers are pinned to core 0 (the load generator runs on core 1), or to `cpus[i]`.
 */
async function httpNodes(url: string, nodes: number, secs: number, cpus: readonly number[] = []): Promise<LoadResult & { servers: number; cpu: CpuShare | null }> {
  const dirs = Array.from({ length: nodes }, (_, i) => tempDir(`pg-node${i}`));
  const servers: Awaited<ReturnType<typeof startBella>>[] = [];
  try {
    // One master key for the cluster, as in production: a node with a key of its own cannot decrypt
    // the secret another node stored, and answered every read with 500 (which the load counted).
    const env = { BELLA_DATABASE_URL: url, BELLA_MASTER_KEY: randomBytes(32).toString('hex') };
    for (const [i, d] of dirs.entries()) servers.push(await startBella(BELLA_SERVER, d.dir, { env, cpu: cpus[i] ?? 0 }));
    const fx = await createFixture((servers[0] as { url: string }).url);
    const per = Math.floor(50 / nodes);
    let win: Promise<Awaited<ReturnType<typeof cpuWindow>>> | null = null;
    const loads = await Promise.all(
      servers.map((s, i) => runLoad({
        url: s.url + fx.readPath, headers: { authorization: `Bearer ${fx.apiKey}` }, connections: per, duration: secs, warmup: 2,
        onMeasureStart: i === 0 ? () => void (win = cpuWindow(url, servers.map((x) => x.pid))) : undefined,
      })),
    );
    const cpu = win ? await (await (win as Promise<Awaited<ReturnType<typeof cpuWindow>>>)).stop() : null;
    return {
      servers: nodes,
      cpu,
      rps: loads.reduce((x, l) => x + l.rps, 0), total: loads.reduce((x, l) => x + l.total, 0),
      p50: Math.max(...loads.map((l) => l.p50)), p90: Math.max(...loads.map((l) => l.p90)), p99: Math.max(...loads.map((l) => l.p99)), max: Math.max(...loads.map((l) => l.max)),
      non2xx: loads.reduce((x, l) => x + l.non2xx, 0), errors: loads.reduce((x, l) => x + l.errors, 0), timeouts: loads.reduce((x, l) => x + l.timeouts, 0),
    };
  } finally {
    for (const s of servers) await s.stop();
    for (const d of dirs) d.remove();
  }
}

/**
 * Benchmark 10: where the time goes on PostgreSQL and what the database itself can do. In one run:
 * pgbench with a transaction of the audited read's shape (the baseline), the store-level audited
 * read on one and on two store instances (with the committers' counters), and the real server over
 * HTTP on one and on two nodes. Every ratio is against the pgbench figure of the same run.
 */
export async function benchPgThroughput(report: Report, o: { secs: number; clients: number }): Promise<void> {
  if (!existsSync(PGBENCH)) {
    report.skip(G, 'audited reads/s vs pgbench', 'ratio >= 0.70', `${PGBENCH} is not installed`);
    return;
  }
  const pb = await withDatabase((url) => pgbench(url, o.clients, o.secs));
  const tps = pb.tps;
  report.add({ group: G, metric: `pgbench, 4 point reads + 2 indexed inserts + commit, ${o.clients} clients`, unit: 'tx/s', value: tps, baseline: null, ratio: null, target: 'baseline', met: null, note: fmtCpu(pb.cpu) });
  report.add({ group: G, metric: `pgbench transaction latency p99, ${o.clients} clients (the database's own, same run)`, unit: 'ms', value: pb.p99, baseline: null, ratio: null, target: 'info', met: null, note: `p50 ${pb.p50.toFixed(1)} ms` });
  // Does the database itself have headroom? 1.5 times the clients (max_connections is 100 by default
  // and other work holds some): clearly more tx/s means it was not saturated at o.clients.
  const more = Math.round(1.5 * o.clients);
  let pb2: Awaited<ReturnType<typeof pgbench>> | null = null;
  try {
    pb2 = await withDatabase((url) => pgbench(url, more, o.secs));
    report.add({ group: G, metric: `pgbench, same transaction, ${more} clients ÷ ${o.clients} clients`, unit: 'tx/s', value: pb2.tps, baseline: tps, ratio: pb2.tps / tps, target: 'info (database headroom)', met: null, note: fmtCpu(pb2.cpu) });
  } catch (e) {
    report.skip(G, `pgbench, ${more} clients`, 'info (database headroom)', (e instanceof Error ? e.message : String(e)).split('\n')[0] as string);
  }
  // Headroom: with 1.5 times the clients, does pgbench get clearly more done? If not, the database
  // (on this machine: the two cores it shares with Bella and the load generator) is saturated, and
  // a second node on it can only share what one node gets: the direct scale-out rows are then info.
  const headroom = pb2 ? pb2.tps / tps >= HEADROOM : null;
  const noHeadroom = headroom === false ? `no headroom here: pgbench ${more} clients ÷ ${o.clients} = ${((pb2?.tps ?? 0) / tps).toFixed(2)}; ` : '';
  const scaleTarget = 'ratio >= 1.5 where the database has headroom';
  const scaleMet = (ratio: number) => (headroom === false ? null : ratio >= 1.5);
  const one = await withDatabase((url) => storeLevel(url, 1, o.clients, o.secs));
  const two = await withDatabase((url) => storeLevel(url, 2, o.clients, o.secs));
  report.extra.pgThroughput = { pgbench: pb, pgbenchDouble: pb2, storeOne: one, storeTwo: two };
  report.add({ group: G, metric: 'store-level audited read, 1 node, reads/s vs pgbench', unit: 'req/s', value: one.rps, baseline: tps, ratio: one.rps / tps, target: 'info', met: null, note: `p99 ${one.p99.toFixed(1)} ms; ${fmtCpu(one.cpu)} (bench process)` });
  report.add({ group: G, metric: 'store-level audited read, 2 nodes ÷ 1 node', unit: 'req/s', value: two.rps, baseline: one.rps, ratio: two.rps / one.rps, target: scaleTarget, met: scaleMet(two.rps / one.rps), note: `${noHeadroom}p99 ${two.p99.toFixed(1)} ms; ${fmtCpu(two.cpu)} (bench process, both stores)` });
  const perBatch = (label: string, r: Awaited<ReturnType<typeof storeLevel>>) => {
    const b = r.perBatch;
    if (!b) return;
    report.add({
      group: G, metric: `committer per batch, ${label}: units, round trips, lock wait / held, commit ms`, unit: 'units', value: b.unitsPerBatch, baseline: null, ratio: null, target: 'info', met: null,
      note: `${b.batches} batches, max ${b.maxUnits} units, ${b.roundTrips.toFixed(2)} round trips, lock wait ${b.lockWaitMs.toFixed(2)} ms, held ${b.lockHeldMs.toFixed(2)} ms (inserts ${b.insertMs.toFixed(2)}, commit ${b.commitMs.toFixed(2)}), counters held ${(100 * b.lockBusy).toFixed(0)}% of the window${Number.isFinite(b.replays) ? `, ${b.replays} replays` : ''}`,
    });
    report.add({ group: G, metric: `seq lock held per batch, ${label} (writer-stats lockHeldMs)`, unit: 'ms', value: b.lockHeldMs, baseline: null, ratio: null, target: 'info', met: null, note: `${b.roundTrips.toFixed(2)} round trips per batch` });
  };
  perBatch('1 node', one);
  perBatch('2 nodes', two);

  // The database with headroom: the same stores with the database behind a link of LINK_MS each way
  // (another host). One node's committer then waits on the link, not on a saturated machine, and
  // the database has capacity left for more nodes; the seq lock (held for one round trip plus the
  // flush) is what could still serialise them. 1, 2 and 3 nodes, each run on a fresh database.
  const linked: Awaited<ReturnType<typeof storeLevel>>[] = [];
  for (const n of [1, 2, 3]) {
    linked.push(await withDatabase(async (url) => {
      const u = new URL(url);
      const link = await startDelayLink(Number(u.port || 5432), LINK_MS);
      try {
        u.port = String(link.port);
        return await storeLevel(u.toString(), n, o.clients, o.secs);
      } finally {
        await link.stop();
      }
    }));
  }
  report.extra.pgLinked = { linkMs: LINK_MS, nodes: linked };
  const [l1, l2, l3] = linked as [Awaited<ReturnType<typeof storeLevel>>, Awaited<ReturnType<typeof storeLevel>>, Awaited<ReturnType<typeof storeLevel>>];
  const lockNote = (r: Awaited<ReturnType<typeof storeLevel>>) => (r.perBatch ? `, ${r.perBatch.unitsPerBatch.toFixed(1)} units per batch, seq lock held ${r.perBatch.lockHeldMs.toFixed(1)} ms per batch and ${(100 * r.perBatch.lockBusy).toFixed(0)}% of the window` : '');
  report.add({ group: G, metric: `store-level audited read, database behind a ${LINK_MS} ms link, 1 node`, unit: 'req/s', value: l1.rps, baseline: null, ratio: null, target: 'info', met: null, note: `p99 ${l1.p99.toFixed(1)} ms; ${fmtCpu(l1.cpu)}${lockNote(l1)}` });
  report.add({ group: G, metric: `store-level audited read, database behind a ${LINK_MS} ms link, 2 nodes ÷ 1 node`, unit: 'req/s', value: l2.rps, baseline: l1.rps, ratio: l2.rps / l1.rps, target: scaleTarget, met: l2.rps / l1.rps >= 1.5, note: `p99 ${l2.p99.toFixed(1)} ms; ${fmtCpu(l2.cpu)}${lockNote(l2)}` });
  report.add({ group: G, metric: `store-level audited read, database behind a ${LINK_MS} ms link, 3 nodes ÷ 1 node`, unit: 'req/s', value: l3.rps, baseline: l1.rps, ratio: l3.rps / l1.rps, target: 'info', met: null, note: `p99 ${l3.p99.toFixed(1)} ms; ${fmtCpu(l3.cpu)}${lockNote(l3)}` });

  const h1 = await withDatabase((url) => httpNodes(url, 1, o.secs));
  const h2 = await withDatabase((url) => httpNodes(url, 2, o.secs));
  // The same two nodes with a core each (node 2 shares core 1 with the load generator): on a 2-core
  // machine this is the only way to give the second node CPU of its own.
  const h2s = availableParallelism() > 1 ? await withDatabase((url) => httpNodes(url, 2, o.secs, [0, 1])) : null;
  report.extra.pgHttp = { one: h1, two: h2, twoSpread: h2s };
  const cpuNote = (h: { cpu: CpuShare | null }) => (h.cpu ? `; ${fmtCpu(h.cpu)}` : '');
  report.add({ group: G, metric: 'HTTP audited read (bella-server on PostgreSQL, 50 connections), reads/s vs pgbench', unit: 'req/s', value: h1.rps, baseline: tps, ratio: h1.rps / tps, target: 'ratio >= 0.70', met: h1.rps / tps >= 0.7, note: `p99 ${h1.p99} ms, ${h1.non2xx} non-2xx, ${h1.errors} errors${cpuNote(h1)}` });
  report.add({ group: G, metric: 'HTTP audited read p99 on PostgreSQL, 1 node, 50 connections', unit: 'ms', value: h1.p99, baseline: null, ratio: null, target: 'p99 <= 20 ms', met: h1.p99 <= 20, note: `p50 ${h1.p50} ms, p90 ${h1.p90} ms, max ${h1.max} ms` });
  report.add({ group: G, metric: 'HTTP audited read, 2 nodes ÷ 1 node (both on core 0, 25 connections each)', unit: 'req/s', value: h2.rps, baseline: h1.rps, ratio: h2.rps / h1.rps, target: scaleTarget, met: scaleMet(h2.rps / h1.rps), note: `${noHeadroom}p99 ${h2.p99} ms, ${h2.non2xx} non-2xx, ${h2.errors} errors${cpuNote(h2)}` });
  if (h2s) {
    report.add({ group: G, metric: 'HTTP audited read, 2 nodes on cores 0 and 1 ÷ 1 node (load generator on core 1)', unit: 'req/s', value: h2s.rps, baseline: h1.rps, ratio: h2s.rps / h1.rps, target: scaleTarget, met: scaleMet(h2s.rps / h1.rps), note: `${noHeadroom}p99 ${h2s.p99} ms, ${h2s.non2xx} non-2xx, ${h2s.errors} errors${cpuNote(h2s)}` });
  }
}
