import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateAuditLog } from './lib/generate.js';
import { HAVE_TASKSET, memOf } from './lib/proc.js';
import type { Report } from './lib/report.js';
import { BELLA_SERVER, ROOT, startBella, tempDir } from './lib/servers.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './lib/setup.js';

const G = '4 export';
const TIME = '/usr/bin/time';
const DAY = 86_400_000;

interface Ran {
  readonly seconds: number;
  /** peak RSS of the client process (MiB), from /usr/bin/time -f %M */
  readonly clientPeak: number | null;
  readonly stderr: string;
  readonly code: number | null;
}

/** Runs a client command pinned to core 1 with stdout to `outFile`, timing it and taking its peak RSS. */
function runClient(cmd: string, args: string[], outFile: string, env: Record<string, string>, input?: string): Promise<Ran> {
  const timed = existsSync(TIME) ? [TIME, ['-f', 'BENCH_MAXRSS_KB=%M', cmd, ...args]] as const : [cmd, args] as const;
  const [c, a] = HAVE_TASKSET ? ['taskset', ['-c', '1', timed[0], ...timed[1]]] : [timed[0], [...timed[1]]];
  const fd = openSync(outFile, 'w');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(c, a, { env: { ...process.env, ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', fd, 'pipe'] });
    if (input !== undefined) child.stdin?.end(input);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      closeSync(fd);
      const kb = /BENCH_MAXRSS_KB=(\d+)/.exec(err)?.[1];
      resolve({ seconds: (performance.now() - t0) / 1000, clientPeak: kb ? Number(kb) / 1024 : null, stderr: err.replace(/BENCH_MAXRSS_KB=\d+\n?/, ''), code });
    });
  });
}

/** Resets a process' VmHWM so the next reading is the peak of what follows (Linux clear_refs 5). */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not permitted: the peak then includes start-up */
  }
}

/** CSV data rows in a file: lines minus the header (no generated cell contains a newline). */
function csvRows(file: string): number {
  const buf = readFileSync(file);
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) n++;
  return n - 1;
}

/**
 * Benchmark 4: export N entries as CSV from the API through the bella CLI (`bella audit list -o csv
 * > file`, logged in as the instance admin with `bella login --password-stdin`), and the same from
 * the server's streaming endpoint with curl (the baseline: what the server alone delivers).
 */
export async function benchExport(report: Report, o: { entries: number }): Promise<void> {
  const tmp = tempDir('export');
  const data = join(tmp.dir, 'data');
  mkdirSync(data, { recursive: true });
  const now = Date.now();
  await generateAuditLog(join(data, 'bella.db'), { entries: o.entries, startMs: now - 30 * DAY, endMs: now - 60_000 });
  const server = await startBella(BELLA_SERVER, data);
  try {
    const home = join(tmp.dir, 'home');
    mkdirSync(home);
    const cliEnv = { HOME: home, BELLA_BAXTER_URL: server.url, NO_COLOR: '1' };
    const bella = join(ROOT, 'bin', 'bella.js');
    const login = await runClient(process.execPath, [bella, 'login', '--email', ADMIN_EMAIL, '--password-stdin'], join(tmp.dir, 'login.out'), cliEnv, ADMIN_PASSWORD);
    if (login.code !== 0) throw new Error(`bella login failed: ${login.stderr}`);
    const { token } = (await (await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    })).json()) as { token: string };

    // Baseline: the server's own streaming export, read by curl.
    resetPeak(server.pid);
    const curlOut = join(tmp.dir, 'curl.csv');
    const curl = await runClient('curl', ['-sS', '--fail', '-H', `Authorization: Bearer ${token}`, `${server.url}/api/v1/audit-logs/export?format=csv`], curlOut, {});
    if (curl.code !== 0) throw new Error(`curl export failed: ${curl.stderr}`);
    const curlServerPeak = memOf(server.pid)?.hwm ?? NaN;
    const curlRows = csvRows(curlOut);

    // The product path: the bella CLI.
    resetPeak(server.pid);
    const cliOut = join(tmp.dir, 'cli.csv');
    const cli = await runClient(process.execPath, [bella, 'audit', 'list', '-o', 'csv'], cliOut, cliEnv);
    const cliServerPeak = memOf(server.pid)?.hwm ?? NaN;
    if (cli.code !== 0) throw new Error(`bella audit list failed (${cli.code}): ${cli.stderr.slice(0, 500)}`);
    const cliRows = csvRows(cliOut);

    const cliRps = cliRows / cli.seconds;
    const curlRps = curlRows / curl.seconds;
    report.extra.export = {
      entries: o.entries, cli: { rows: cliRows, seconds: cli.seconds, bytes: statSync(cliOut).size, clientPeakMiB: cli.clientPeak, serverPeakMiB: cliServerPeak },
      curl: { rows: curlRows, seconds: curl.seconds, bytes: statSync(curlOut).size, clientPeakMiB: curl.clientPeak, serverPeakMiB: curlServerPeak },
    };
    const n = o.entries.toLocaleString('en-US');
    report.add({ group: G, metric: `bella audit list -o csv > file, ${n} entries (vs server export endpoint via curl)`, unit: 'rows/s', value: cliRps, baseline: curlRps, ratio: cliRps / curlRps, target: '>= 100,000 rows/s', met: cliRps >= 100_000 && cliRows >= o.entries });
    report.add({ group: G, metric: 'bella CLI peak RSS during the export', unit: 'MiB', value: cli.clientPeak, baseline: null, ratio: null, target: '<= 256 MiB', met: cli.clientPeak === null ? null : cli.clientPeak <= 256 });
    report.add({ group: G, metric: 'server peak RSS during the CLI export', unit: 'MiB', value: cliServerPeak, baseline: null, ratio: null, target: '<= 256 MiB', met: cliServerPeak <= 256 });
    report.add({ group: G, metric: `GET /audit-logs/export?format=csv via curl, ${n} entries`, unit: 'rows/s', value: curlRps, baseline: null, ratio: null, target: '>= 100,000 rows/s', met: curlRps >= 100_000 && curlRows >= o.entries });
    report.add({ group: G, metric: 'server peak RSS during the curl export', unit: 'MiB', value: curlServerPeak, baseline: null, ratio: null, target: '<= 256 MiB', met: curlServerPeak <= 256 });
  } finally {
    await server.stop();
    tmp.remove();
  }
}
