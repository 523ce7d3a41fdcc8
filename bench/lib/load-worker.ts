import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { deriveSigningKey, parseApiKey, signRequest } from '../../src/contract/signing.js';

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
  /** Sign every GET with this API key (HMAC, a fresh nonce each time) instead of sending it as a Bearer token. */
  signWith?: string;
}

/** Headers of a freshly signed GET, as the CLI sends them: each request is a first use of its signature. */
function signer(apiKey: string, url: string): () => Record<string, string> {
  const parsed = parseApiKey(apiKey);
  if (!parsed) throw new Error('signWith: not an API key');
  const key = deriveSigningKey(parsed.secret);
  const u = new URL(url);
  return () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    return {
      'x-bella-key-id': parsed.id,
      'x-bella-timestamp': ts,
      'x-bella-nonce': nonce,
      'x-bella-signature': signRequest(key, 'GET', u.pathname, u.search, ts, '', nonce),
    };
  };
}

/** duration 0 = until a line "stop" arrives on stdin (the parent's measured window). */
function run(a: Args, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const sign = a.signWith ? signer(a.signWith, a.url) : null;
    const requests = sign ? [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, headers: { ...a.headers, ...sign() } }) }] : undefined;
    const inst = autocannon({ url: a.url, headers: a.headers, connections: a.connections, duration: duration || 3600, pipelining: 1, requests }, (err, res) =>
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
