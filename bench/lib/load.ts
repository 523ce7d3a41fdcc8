import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from './proc.js';

export interface LoadResult {
  /** mean requests/s over the measured window */
  readonly rps: number;
  readonly total: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url));

/**
 * Runs autocannon in a child process pinned to core 1. `onMeasureStart` fires when the warm-up is
 * over and the measured window begins (used to sample the server's CPU and memory over it).
 */
export function runLoad(opts: {
  url: string;
  headers?: Record<string, string>;
  connections?: number;
  duration: number;
  warmup?: number;
  onMeasureStart?: () => void;
  /** with duration 0: the measured window ends when this settles */
  until?: Promise<unknown>;
  /** sign each request with this API key (see load-worker.ts) */
  signWith?: string;
}): Promise<LoadResult> {
  const args = JSON.stringify({
    url: opts.url, headers: opts.headers ?? {}, connections: opts.connections ?? 50, duration: opts.duration, warmup: opts.warmup ?? 0, signWith: opts.signWith,
  });
  const [cmd, argv] = pinned(1, process.execPath, [WORKER, args]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    if (opts.until) void opts.until.finally(() => child.stdin.end('stop\n'));
    else child.stdin.end();
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('MEASURE\n') && opts.onMeasureStart) {
        const f = opts.onMeasureStart;
        opts.onMeasureStart = undefined;
        f();
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').filter((l) => l.startsWith('{')).pop();
      if (code !== 0 || !line) reject(new Error(`load generator failed (${code}): ${err}`));
      else resolve(JSON.parse(line) as LoadResult);
    });
  });
}
