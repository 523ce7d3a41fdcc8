import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PURGE_BATCH } from '../src/audit/retention.js';
import { generateAuditLog } from './lib/generate.js';
import type { Report } from './lib/report.js';
import { BENCH_SERVER, measure, startBella, tempDir } from './lib/servers.js';
import { createFixture } from './lib/setup.js';

const G = '5 purge';
const DAY = 86_400_000;

/**
 * Benchmark 5: store.auditLog.purge of N expired entries (older than the 365-day default retention)
 * inside the server process, while the secret-read load of benchmark 1 runs. The reads' p99 during
 * the purge (the measured window is exactly the purge) against their p99 on the same server, same
 * data, just before without the purge. The server is bench/bench-server.ts (real createServer,
 * synchronous=FULL) with an IPC trigger, because bella-server purges only on its schedule
 * (BELLA_PURGE_INTERVAL_MINUTES), at least a minute apart. Batch size: the product's PURGE_BATCH.
 */
export async function benchPurge(report: Report, o: { entries: number; duration: number; warmup: number; batchSize?: number }): Promise<void> {
  const batchSize = o.batchSize ?? PURGE_BATCH;
  const tmp = tempDir('purge');
  const data = join(tmp.dir, 'data');
  mkdirSync(data, { recursive: true });
  const now = Date.now();
  // 100 to 200 days old: kept by the default 365-day window, so the server's own start-up purge leaves
  // them alone; the benchmark then purges everything older than 60 days, the way a retention run
  // does after an admin shortens the window.
  await generateAuditLog(join(data, 'bella.db'), { entries: o.entries, startMs: now - 200 * DAY, endMs: now - 100 * DAY });
  const server = await startBella(BENCH_SERVER, data, { ipc: true, env: { BENCH_SYNCHRONOUS: 'FULL' } });
  try {
    const fx = await createFixture(server.url);
    const headers = { authorization: `Bearer ${fx.apiKey}` };
    process.stderr.write('purge: baseline load\n');
    const before = await measure(server, fx.readPath, headers, o.duration, o.warmup);
    process.stderr.write('purge: load + purge\n');

    let purged: { purged?: number; ms?: number; error?: string } = {};
    const olderThan = new Date(now - 60 * DAY).toISOString();
    const during = await measure(server, fx.readPath, headers, 0, 1, {
      onStart: () =>
        new Promise<void>((resolve) => {
          server.child.once('message', (m) => {
            purged = m as typeof purged;
            resolve();
          });
          server.child.send({ purge: { olderThan, batchSize } });
        }),
    });
    if (purged.error) throw new Error(`purge failed: ${purged.error}`);
    for (const m of [before, during]) {
      if (m.load.non2xx > 0 || m.load.errors > 0) throw new Error(`purge bench: ${m.load.non2xx} non-2xx, ${m.load.errors} errors`);
    }
    const ratio = during.load.p99 / before.load.p99;
    report.extra.purge = { entries: o.entries, batchSize, purged, before, during };
    const secs = (purged.ms ?? NaN) / 1000;
    report.add({
      group: G, metric: `read p99 while purging ${(purged.purged ?? 0).toLocaleString('en-US')} expired entries (batches of ${batchSize}) vs without`,
      unit: 'ms', value: during.load.p99, baseline: before.load.p99, ratio, target: 'ratio <= 2.0', met: ratio <= 2 && purged.purged === o.entries,
    });
    report.add({ group: G, metric: 'read throughput while purging vs without', unit: 'req/s', value: during.load.rps, baseline: before.load.rps, ratio: during.load.rps / before.load.rps, target: 'info', met: null });
    report.add({ group: G, metric: 'purge rate under the read load', unit: 'rows/s', value: (purged.purged ?? 0) / secs, baseline: null, ratio: null, target: 'info', met: null, note: `${secs.toFixed(1)} s` });
  } finally {
    await server.stop();
    tmp.remove();
  }
}
