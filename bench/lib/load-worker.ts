import autocannon from 'autocannon';

/**
 * The load generator, run as its own process (pinned to core 1 by the parent) so it never competes
 * with the server for a core. Input: one JSON argument; output: one JSON line on stdout.
 */
interface Args {
  url: string;
  headers: Record<string, string>;
  connections: number;
  duration: number;
  warmup: number;
}

/** duration 0 = until a line "stop" arrives on stdin (the parent's measured window). */
function run(a: Args, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const inst = autocannon({ url: a.url, headers: a.headers, connections: a.connections, duration: duration || 3600, pipelining: 1 }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    if (duration === 0) {
      // autocannon may never finish when stopped before its first request: keep at least 1 s.
      const started = Date.now();
      process.stdin.on('data', (d: Buffer) => {
        if (d.toString().includes('stop')) setTimeout(() => inst.stop(), Math.max(0, 1000 - (Date.now() - started)));
      });
    }
  });
}

const a = JSON.parse(process.argv[2] as string) as Args;
if (a.warmup > 0) await run(a, a.warmup);
process.stdout.write('MEASURE\n');
const r = await run(a, a.duration);
process.stdout.write(
  `${JSON.stringify({
    rps: r.requests.average,
    total: r.requests.total,
    duration: r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  })}\n`,
);
// stdin (the stop channel) would keep the process alive
process.exit(0);
