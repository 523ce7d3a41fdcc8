import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Pins a command to one CPU with taskset when it exists (util-linux); otherwise runs it unpinned. */
export const HAVE_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export function pinned(cpu: number, cmd: string, args: readonly string[]): [string, string[]] {
  return HAVE_TASKSET ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, [...args]];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** VmRSS / VmHWM of a live process, in MiB (null when it is gone). */
export function memOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds (user+system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // fields after ")": state(0) ... utime is field 14 overall = index 11 here, stime index 12
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Samples a process' RSS every `ms` until stopped; returns the peak seen and the last VmHWM. */
export function sampleMemory(pid: number, ms = 50): { stop(): { peakRss: number; hwm: number } } {
  let peak = 0;
  let hwm = 0;
  const tick = () => {
    const m = memOf(pid);
    if (m) {
      peak = Math.max(peak, m.rss);
      hwm = Math.max(hwm, m.hwm);
    }
  };
  tick();
  const t = setInterval(tick, ms);
  return {
    stop() {
      tick();
      clearInterval(t);
      return { peakRss: peak, hwm };
    },
  };
}

export interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<number | null>;
}

/** Starts a server process (pinned to `cpu`) and waits until GET /healthz (or `/`) answers. */
export async function startProcess(opts: {
  args: readonly string[];
  env: Record<string, string>;
  port: number;
  cpu: number;
  readyPath?: string;
  nodeFlags?: readonly string[];
  ipc?: boolean;
}): Promise<Running> {
  const [cmd, args] = pinned(opts.cpu, process.execPath, [...(opts.nodeFlags ?? []), ...opts.args]);
  const child = spawn(cmd, args, {
    env: { ...process.env, ...opts.env },
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${opts.port}`;
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${out}`);
    try {
      const r = await fetch(url + (opts.readyPath ?? '/healthz'));
      if (r.status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start within 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // With taskset, child.pid is taskset's pid only until it execs node: same pid, so /proc works.
  const pid = child.pid as number;
  return {
    child,
    pid,
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

export const fileExists = existsSync;
