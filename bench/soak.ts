import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateAuditLog } from './lib/generate.js';
import { pinned, memOf } from './lib/proc.js';
import { percentile, type Report } from './lib/report.js';
import { BELLA_SERVER, startBella, tempDir } from './lib/servers.js';
import { createFixture } from './lib/setup.js';

const G = '8 soak';
const DAY = 86_400_000;
const MiB = 1024 * 1024;

const walBytes = (dir: string) => {
  try {
    return statSync(join(dir, 'bella.db-wal')).size;
  } catch {
    return 0;
  }
};
const openFds = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stream of requests from one async loop; latencies (ms) of the 2xx answers are kept per window. */
function loop(fn: () => Promise<Response>, sink: { lat: number[]; errors: number }, stop: () => boolean): Promise<void> {
  return (async () => {
    while (!stop()) {
      const t0 = performance.now();
      try {
        const r = await fn();
        await r.arrayBuffer();
        if (r.ok) sink.lat.push(performance.now() - t0);
        else sink.errors++;
      } catch {
        sink.errors++;
      }
    }
  })();
}

/** curl reading the export at a limited rate (a slow consumer holding the export open), on core 1. */
function slowExport(url: string, token: string, rate: string): Promise<number> {
  const [cmd, args] = pinned(1, 'curl', ['-sS', '--fail', '-o', '/dev/null', '--limit-rate', rate, '-H', `Authorization: Bearer ${token}`, `${url}/api/v1/audit-logs/export?format=csv`]);
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.once('error', rej);
    c.once('exit', (code) => res(code ?? -1));
  });
}

/**
 * Benchmark 8 (the real-faults issue): (a) the WAL stays bounded while a long export reads under a
 * steady write load (checkpoint starvation would make it grow without end); (b) a soak of mixed load
 * (reads, writes, slow exports, purges of old rows) sampling RSS, open descriptors, WAL size and the
 * read p99 each window: flat is the target.
 */
export async function benchSoak(report: Report, o: { entries: number; exportSecs: number; soakSecs: number; windowSecs: number }): Promise<void> {
  const tmp = tempDir('soak');
  const data = join(tmp.dir, 'data');
  mkdirSync(data, { recursive: true });
  const now = Date.now();
  await generateAuditLog(join(data, 'bella.db'), { entries: o.entries, startMs: now - 30 * DAY, endMs: now - 60_000 });
  const server = await startBella(BELLA_SERVER, data, { env: { BELLA_PURGE_INTERVAL_MINUTES: '1' } });
  try {
    const fx = await createFixture(server.url);
    const auth = { authorization: `Bearer ${fx.adminToken}` };
    const writeUrl = `${server.url}${fx.readPath}`;
    let i = 0;
    const write = () => fetch(writeUrl, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ value: `v-${i++}` }) });
    const read = () => fetch(writeUrl, { headers: auth });

    // (a) WAL before (writes only), during a slow export of the whole log, and after.
    let stopWrites = false;
    const writes = { lat: [] as number[], errors: 0 };
    const writers = [loop(write, writes, () => stopWrites), loop(write, writes, () => stopWrites)];
    const sample = async (secs: number) => {
      let max = 0;
      for (const end = Date.now() + secs * 1000; Date.now() < end; await sleep(250)) max = Math.max(max, walBytes(data));
      return max;
    };
    const before = await sample(3);
    // The rate makes the export last about exportSecs (about 200 bytes a row in CSV).
    const rate = `${Math.max(64, Math.round((o.entries * 200) / o.exportSecs / 1024))}k`;
    let exportDone = false;
    const exp = slowExport(server.url, fx.adminToken, rate).finally(() => (exportDone = true));
    let during = 0;
    const t0 = Date.now();
    while (!exportDone) {
      during = Math.max(during, walBytes(data));
      await sleep(250);
    }
    const exportSecs = (Date.now() - t0) / 1000;
    const exportCode = await exp;
    const after = await sample(3);
    stopWrites = true;
    await Promise.all(writers);
    report.extra.walDuringExport = { beforeMiB: before / MiB, duringMiB: during / MiB, afterMiB: after / MiB, exportSecs, exportCode, writes: writes.lat.length, writeErrors: writes.errors };
    report.add({ group: G, metric: `WAL size during a ${exportSecs.toFixed(0)} s export of ${o.entries.toLocaleString('en-US')} entries under writes (vs before)`, unit: 'MiB', value: during / MiB, baseline: before / MiB, ratio: before > 0 ? during / before : null, target: '<= 64 MiB', met: during <= 64 * MiB && exportCode === 0 });
    report.add({ group: G, metric: 'WAL size after the export', unit: 'MiB', value: after / MiB, baseline: null, ratio: null, target: 'info', met: null });

    // (b) the soak: mixed load, one sample per window.
    let stop = false;
    const reads = { lat: [] as number[], errors: 0 };
    const w2 = { lat: [] as number[], errors: 0 };
    const loops = [loop(read, reads, () => stop), loop(read, reads, () => stop), loop(read, reads, () => stop), loop(write, w2, () => stop)];
    const old = new Database(join(data, 'bella.db'));
    old.pragma('busy_timeout = 5000');
    const oldTs = new Date(now - 400 * DAY).toISOString();
    const addOld = old.prepare(
      `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000)
       INSERT INTO access_log (id, ts, request_id, method, path, status, duration_ms, actor_type)
       SELECT 'soak-' || ? || '-' || i, ?, 'r', 'GET', '/x', 200, 1.0, 'User' FROM c`,
    );
    const windows: { at: number; rssMiB: number; fds: number; walMiB: number; readP99: number; reads: number; errors: number }[] = [];
    const started = Date.now();
    let exporting: Promise<number> | null = null;
    for (let w = 0; Date.now() - started < o.soakSecs * 1000; w++) {
      const end = started + (w + 1) * o.windowSecs * 1000;
      // Each window: old rows for the next purge to remove, and a slow export if none is running.
      addOld.run(w, oldTs);
      exporting ??= slowExport(server.url, fx.adminToken, '2m').finally(() => (exporting = null));
      await sleep(Math.max(0, end - Date.now()));
      const lat = reads.lat.splice(0);
      windows.push({
        at: Math.round((Date.now() - started) / 1000),
        rssMiB: (memOf(server.pid)?.rss ?? NaN),
        fds: openFds(server.pid),
        walMiB: walBytes(data) / MiB,
        readP99: lat.length ? percentile(lat, 99) : NaN,
        reads: lat.length,
        errors: reads.errors,
      });
    }
    stop = true;
    await Promise.all(loops);
    await exporting;
    old.close();
    report.extra.soak = { windowSecs: o.windowSecs, windows, writeErrors: w2.errors };
    const first = windows[0];
    const last = windows[windows.length - 1];
    if (!first || !last) throw new Error('the soak took no sample');
    const flat = (a: number, b: number) => b <= a * 1.25 + 1;
    report.add({ group: G, metric: `server RSS, last window vs first (${windows.length} windows of ${o.windowSecs} s)`, unit: 'MiB', value: last.rssMiB, baseline: first.rssMiB, ratio: last.rssMiB / first.rssMiB, target: 'flat (<= 1.25x)', met: flat(first.rssMiB, last.rssMiB) });
    report.add({ group: G, metric: 'open file descriptors, last window vs first', unit: 'fds', value: last.fds, baseline: first.fds, ratio: last.fds / first.fds, target: 'flat (<= 1.25x)', met: flat(first.fds, last.fds) });
    report.add({ group: G, metric: 'WAL size, largest window', unit: 'MiB', value: Math.max(...windows.map((x) => x.walMiB)), baseline: null, ratio: null, target: '<= 64 MiB', met: Math.max(...windows.map((x) => x.walMiB)) <= 64 });
    report.add({ group: G, metric: 'read p99 under mixed load, last window vs first', unit: 'ms', value: last.readP99, baseline: first.readP99, ratio: last.readP99 / first.readP99, target: 'flat (<= 1.25x)', met: flat(first.readP99, last.readP99) });
    report.add({ group: G, metric: 'failed requests during the soak', unit: 'requests', value: reads.errors + w2.errors, baseline: null, ratio: null, target: '0', met: reads.errors + w2.errors === 0 });
  } finally {
    await server.stop();
    tmp.remove();
  }
}
