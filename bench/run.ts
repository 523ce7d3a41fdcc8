import { execSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchExport } from './export.js';
import { benchExportsConcurrency } from './exports-concurrency.js';
import { benchHttpRead } from './http-read.js';
import { benchIngest } from './ingest.js';
import { benchIntegrity } from './integrity.js';
import { HAVE_TASKSET } from './lib/proc.js';
import { Report } from './lib/report.js';
import { ROOT } from './lib/servers.js';
import { benchPgIngest, benchPgQueries, pgAvailability } from './postgres.js';
import { benchPgThroughput } from './pg-throughput.js';
import { profileRead } from './profile.js';
import { benchPurge } from './purge.js';
import { benchQueries } from './queries.js';
import { benchReadRounds } from './read-rounds.js';
import { benchSoak } from './soak.js';
import { benchStreams } from './streams.js';

/**
 * npm run bench [-- --quick] [-- --base=<another build>/bin/bella-server.js (read rounds: before/after in one run)] [-- --profile] [-- --only=rounds,read,ingest,queries,export,exports-concurrency,integrity,purge,pg,pg-ingest,pg-queries,pg-throughput,streams,soak]
 * (`--only exports-concurrency`, with a space, works too)
 * Prints the table (metric, value, baseline, ratio, target, met) and writes bench/results/latest.json.
 * Benchmarks report; they never fail the process on a missed target (they are not tests).
 */
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const onlyAt = args.indexOf('--only');
const only = (args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (onlyAt >= 0 ? args[onlyAt + 1] : undefined))?.split(',');
const want = (name: string) => !only || only.includes(name);

const P = quick
  ? { rounds: 5, roundSecs: 3, soakEntries: 100_000, soakExportSecs: 8, soakSecs: 30, soakWindowSecs: 5, streamEntries: 20_000, readSecs: 4, warmup: 1, ingestUnits: 40_000, queryEntries: 500_000, queryReps: 15, exportEntries: 200_000, concurrentExportEntries: 50_000, purgeEntries: 100_000, pgQueryEntries: 500_000 }
  : { rounds: 7, roundSecs: 8, soakEntries: 1_000_000, soakExportSecs: 60, soakSecs: 1800, soakWindowSecs: 60, streamEntries: 200_000, readSecs: 10, warmup: 2, ingestUnits: 200_000, queryEntries: 5_000_000, queryReps: 40, exportEntries: 1_000_000, concurrentExportEntries: 200_000, purgeEntries: 1_000_000, pgQueryEntries: 5_000_000 };

const report = new Report();
const started = new Date();
const t0 = performance.now();
const step = async (name: string, fn: () => Promise<unknown>) => {
  if (!want(name)) return;
  const s = performance.now();
  process.stderr.write(`\n== ${name} ==\n`);
  try {
    await fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${name} failed: ${msg}\n`);
    report.add({ group: name, metric: 'benchmark failed', unit: '', value: null, baseline: null, ratio: null, target: '-', met: false, note: `error: ${msg.split('\n')[0]}` });
  }
  process.stderr.write(`(${name}: ${((performance.now() - s) / 1000).toFixed(1)} s)\n`);
};

await step('rounds', () => benchReadRounds(report, { base: args.find((a) => a.startsWith('--base='))?.slice('--base='.length), rounds: P.rounds, duration: P.roundSecs, warmup: P.warmup }));
await step('read', () => benchHttpRead(report, { duration: P.readSecs, warmup: P.warmup }));
await step('ingest', () => benchIngest(report, { units: P.ingestUnits, perTurn: 500, window: 4000 }));
await step('queries', () => benchQueries(report, { entries: P.queryEntries, reps: P.queryReps, targetMs: 20 }));
await step('export', () => benchExport(report, { entries: P.exportEntries }));
await step('exports-concurrency', () => benchExportsConcurrency(report, { entries: P.concurrentExportEntries, callers: 40 }));
await step('integrity', () => benchIntegrity(report, { entries: quick ? 20_000 : 200_000 }));
await step('purge', () => benchPurge(report, { entries: P.purgeEntries, duration: P.readSecs, warmup: P.warmup }));
// --only=pg runs all three; pg-ingest and pg-throughput name one each.
const pgPart = (name: string) => want('pg') || want(name);
if (pgPart('pg-ingest') || pgPart('pg-queries') || pgPart('pg-throughput')) {
  await step(only && !only.includes('pg') ? (only.find((x) => x.startsWith('pg-')) as string) : 'pg', async () => {
    const why = await pgAvailability();
    if (why) {
      report.skip('2 ingest', 'PostgreSQL group committer vs COPY', 'ratio >= 0.80', why);
      report.skip('3 queries', 'PostgreSQL queries', 'p95 <= 30 ms', why);
      report.skip('10 pg throughput', 'audited reads/s vs pgbench', 'ratio >= 0.70', why);
      return;
    }
    if (pgPart('pg-ingest')) await benchPgIngest(report, { units: P.ingestUnits });
    if (pgPart('pg-queries')) await benchPgQueries(report, { entries: P.pgQueryEntries, reps: P.queryReps, targetMs: 30 });
    if (pgPart('pg-throughput')) await benchPgThroughput(report, { secs: P.readSecs, clients: 50 });
  });
}
await step('streams', () => benchStreams(report, { entries: P.streamEntries, duration: P.readSecs, warmup: P.warmup }));
await step('soak', () => benchSoak(report, { entries: P.soakEntries, exportSecs: P.soakExportSecs, soakSecs: P.soakSecs, windowSecs: P.soakWindowSecs }));
if (profile) await step('profile', () => profileRead(report, P.readSecs));

const sh = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};
const meta = {
  date: started.toISOString(),
  mode: quick ? 'quick' : 'full',
  seconds: Math.round((performance.now() - t0) / 100) / 10,
  machine: {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? null,
    memTotalGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    memFreeGiB: Math.round(freemem() / 2 ** 30 * 10) / 10,
    loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    sqlite: sh(`${JSON.stringify(process.execPath)} -e "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"`),
    pinning: HAVE_TASKSET ? 'server on core 0, load generator on core 1 (taskset)' : 'unpinned (no taskset)',
  },
  params: P,
};
const out = join(ROOT, 'bench', 'results', 'latest.json');
report.write(out, meta);
process.stdout.write(`\nBella Baxter benchmarks (${meta.mode}, ${meta.date}, ${meta.seconds} s; ${meta.machine.nproc} cores, ${meta.machine.cpu}; node ${meta.machine.node})\n`);
process.stdout.write(`${report.table()}\n`);
const missed = report.rows.filter((r) => r.met === false).length;
process.stdout.write(`\n${missed} target(s) missed. JSON: ${out}\n`);
