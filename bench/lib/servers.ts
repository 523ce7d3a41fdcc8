import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad, type LoadResult } from './load.js';
import { cpuSeconds, freePort, memOf, sampleMemory, startProcess, type Running } from './proc.js';
import { serverEnv } from './setup.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** dist/bench/lib → repository root */
export const ROOT = resolve(here, '..', '..', '..');
export const BELLA_SERVER = join(ROOT, 'bin', 'bella-server.js');
export const BENCH_SERVER = join(ROOT, 'dist', 'bench', 'bench-server.js');
export const RELAXED_SERVER = join(ROOT, 'dist', 'bench', 'server-relaxed.js');
export const BARE_SERVER = join(ROOT, 'dist', 'bench', 'bare-server.js');

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `bella-bench-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Bella server process (bella-server or a bench entry) pinned to core 0 (or `cpu`) over `dataDir`. */
export async function startBella(entry: string, dataDir: string, opts: { nodeFlags?: string[]; ipc?: boolean; env?: Record<string, string>; cpu?: number } = {}): Promise<Running> {
  const port = await freePort();
  return startProcess({ args: [entry], env: { ...serverEnv(dataDir, port), ...opts.env }, port, cpu: opts.cpu ?? 0, nodeFlags: opts.nodeFlags, ipc: opts.ipc });
}

export async function startBare(): Promise<Running> {
  const port = await freePort();
  return startProcess({ args: [BARE_SERVER], env: { BENCH_PORT: String(port) }, port, cpu: 0 });
}

export interface Measured {
  readonly load: LoadResult;
  /** server CPU use over the measured window, 1.0 = one full core */
  readonly serverCpu: number;
  /** peak VmRSS of the server over the measured window, MiB */
  readonly peakRss: number;
}

/** Runs the load against a running server while sampling its CPU time and memory. */
export async function measure(
  server: Running, path: string, headers: Record<string, string>, duration: number, warmup: number,
  window?: { onStart: () => Promise<unknown> },
  signWith?: string,
): Promise<Measured> {
  let release: (v?: unknown) => void = () => undefined;
  const until = window ? new Promise((r) => (release = r)) : undefined;
  let cpu0 = 0;
  let t0 = 0;
  let mem: ReturnType<typeof sampleMemory> | null = null;
  const load = await runLoad({
    url: server.url + path, headers, duration: window ? 0 : duration, warmup, until, signWith,
    onMeasureStart: () => {
      if (window) void window.onStart().finally(() => release());
      cpu0 = cpuSeconds(server.pid);
      t0 = performance.now();
      mem = sampleMemory(server.pid, 100);
    },
  });
  const wall = (performance.now() - t0) / 1000;
  const serverCpu = (cpuSeconds(server.pid) - cpu0) / wall;
  const peak = (mem as ReturnType<typeof sampleMemory> | null)?.stop().peakRss ?? memOf(server.pid)?.rss ?? NaN;
  return { load, serverCpu, peakRss: peak };
}
