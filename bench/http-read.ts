import type { Report } from './lib/report.js';
import { BELLA_SERVER, RELAXED_SERVER, measure, startBare, startBella, tempDir, type Measured } from './lib/servers.js';
import { createFixture } from './lib/setup.js';
import { memOf, HAVE_TASKSET } from './lib/proc.js';

export interface ReadOpts {
  readonly duration: number;
  readonly warmup: number;
}

const G = '1 read';
const G6 = '6 memory';

/**
 * Benchmark 1 (and 6): an API-key-authenticated secret read (decrypt, authorise, audit row and
 * access row durable before the response) against a bare Fastify JSON route, each server pinned
 * to core 0 and autocannon (50 connections) pinned to core 1.
 */
export async function benchHttpRead(report: Report, o: ReadOpts): Promise<{ auditedP99: number }> {
  if (!HAVE_TASKSET) report.extra.pinning = 'taskset not found: processes ran unpinned';

  const bare = await startBare();
  let ceiling: Measured;
  try {
    ceiling = await measure(bare, '/api/v1/projects/bench/environments/prod/secrets/DATABASE_URL', {}, o.duration, o.warmup);
  } finally {
    await bare.stop();
  }

  const runBella = async (entry: string, label: string, signed = false): Promise<{ m: Measured; idle: number; signed: Measured | null }> => {
    const tmp = tempDir(label);
    const server = await startBella(entry, tmp.dir);
    try {
      const fx = await createFixture(server.url);
      await new Promise((r) => setTimeout(r, 500));
      const idle = memOf(server.pid)?.rss ?? NaN;
      const m = await measure(server, fx.readPath, { authorization: `Bearer ${fx.apiKey}` }, o.duration, o.warmup);
      if (m.load.non2xx > 0 || m.load.errors > 0) throw new Error(`${label}: ${m.load.non2xx} non-2xx and ${m.load.errors} errors under load`);
      // The same read signed with the key (HMAC, a fresh nonce per request), on the same server right
      // after: the difference is the signature check plus the replay guard's recorded use.
      let s: Measured | null = null;
      if (signed) {
        s = await measure(server, fx.readPath, {}, o.duration, o.warmup, undefined, fx.apiKey);
        if (s.load.non2xx > 0 || s.load.errors > 0) throw new Error(`${label} signed: ${s.load.non2xx} non-2xx and ${s.load.errors} errors under load`);
      }
      return { m, idle, signed: s };
    } finally {
      await server.stop();
      tmp.remove();
    }
  };

  const audited = await runBella(BELLA_SERVER, 'read', true);
  const relaxed = await runBella(RELAXED_SERVER, 'relaxed');
  const a = audited.m;
  const c = ceiling;
  const r = relaxed.m;
  report.extra.read = {
    bare: c, audited: a, relaxed: r,
    note: 'serverCpu is the server process CPU over the measured window (1.0 = its whole core)',
  };

  const ratio = a.load.rps / c.load.rps;
  report.add({ group: G, metric: 'audited secret read, req/s (vs bare Fastify route)', unit: 'req/s', value: a.load.rps, baseline: c.load.rps, ratio, target: 'ratio >= 0.50', met: ratio >= 0.5 });
  report.add({ group: G, metric: 'audited secret read, p99 latency', unit: 'ms', value: a.load.p99, baseline: c.load.p99, ratio: a.load.p99 / c.load.p99, target: '<= 10 ms', met: a.load.p99 <= 10 });
  report.add({ group: G, metric: 'relaxed durability (synchronous=NORMAL), req/s', unit: 'req/s', value: r.load.rps, baseline: c.load.rps, ratio: r.load.rps / c.load.rps, target: 'info', met: null });
  report.add({ group: G, metric: 'relaxed durability (synchronous=NORMAL), p99', unit: 'ms', value: r.load.p99, baseline: c.load.p99, ratio: r.load.p99 / c.load.p99, target: 'info', met: null });
  const sg = audited.signed;
  if (sg) {
    report.extra.read = { ...(report.extra.read as object), signed: sg };
    report.add({ group: G, metric: 'signed audited read (HMAC + replay guard), req/s (vs Bearer key, same server)', unit: 'req/s', value: sg.load.rps, baseline: a.load.rps, ratio: sg.load.rps / a.load.rps, target: 'info', met: null });
    report.add({ group: G, metric: 'signed audited read (HMAC + replay guard), p99', unit: 'ms', value: sg.load.p99, baseline: a.load.p99, ratio: sg.load.p99 / a.load.p99, target: 'info', met: null });
  }
  report.add({ group: G, metric: 'server CPU during audited load (1.0 = the pinned core)', unit: 'cores', value: a.serverCpu, baseline: c.serverCpu, ratio: null, target: 'info', met: null });

  report.add({ group: G6, metric: 'server RSS at idle (after setup)', unit: 'MiB', value: audited.idle, baseline: null, ratio: null, target: 'info', met: null });
  report.add({ group: G6, metric: 'server RSS under load of (1), peak', unit: 'MiB', value: a.peakRss, baseline: audited.idle, ratio: a.peakRss / audited.idle, target: 'info', met: null });
  return { auditedP99: a.load.p99 };
}
