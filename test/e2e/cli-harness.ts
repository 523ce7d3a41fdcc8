import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ADMIN } from '../helpers/admin.js';
import { REPO_ROOT, probeStatus, removeDataDir, startServerProcess } from '../helpers/process.js';

/**
 * End-to-end harness: a real `bella-server` process per test file (the one startServerProcess of
 * test/helpers/process.ts: random free port, temp data dir) and the real `bella` CLI as a child
 * process with its own HOME. Requires `npm run build` first.
 */
export const ROOT = REPO_ROOT;
export const ADMIN_EMAIL = TEST_ADMIN.email;
export const ADMIN_PASSWORD = TEST_ADMIN.password;

function requireBuild(): void {
  for (const f of ['dist/src/main.js', 'dist/src/cli/main.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` before the end-to-end tests`);
  }
}

export interface TestServer {
  readonly url: string;
  readonly dataDir: string;
  readonly log: () => string;
  stop(): Promise<void>;
  /** Stops the process (SIGTERM) and keeps its data dir, for a restart with startServer({}, { dataDir, port }) */
  halt(): Promise<void>;
}

/**
 * Starts `node bin/bella-server.js` through startServerProcess (which waits for the child's own
 * "listening" line, so the server answering is ours, and retries a lost port race), then waits until
 * /readyz answers 200. stop() ends the process and removes its data dir.
 */
export async function startServer(extraEnv: Record<string, string> = {}, opts: { dataDir?: string; port?: number } = {}): Promise<TestServer> {
  requireBuild();
  const srv = await startServerProcess({ env: { BELLA_LOG_LEVEL: 'warn', ...extraEnv }, ...opts });
  const log = () => srv.stdout() + srv.stderr();
  const stop = async () => {
    await srv.stop();
    removeDataDir(srv.dataDir);
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if ((await probeStatus(`${srv.url}/readyz`)) === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`bella-server did not become ready:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: srv.url, dataDir: srv.dataDir, log, stop, halt: async () => void (await srv.stop()) };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly input?: string;
  readonly env?: Record<string, string>;
}

/** One user of the CLI: a HOME of their own (so their stored login is theirs) and a working directory. */
export class CliUser {
  readonly home: string;
  readonly cwd: string;

  constructor(readonly url: string) {
    this.home = mkdtempSync(join(tmpdir(), 'bella-e2e-home-'));
    this.cwd = mkdtempSync(join(tmpdir(), 'bella-e2e-cwd-'));
  }

  /** The environment the CLI runs with: nothing inherited but PATH, so no BELLA_* leaks in from the developer. */
  envFor(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '', HOME: this.home, BELLA_BAXTER_URL: this.url, ...extra };
  }

  /** Runs `node bin/bella.js ARGS` to completion. */
  run(args: readonly string[], opts: RunOptions = {}): RunResult {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/bella.js'), ...args], {
      cwd: opts.cwd ?? this.cwd,
      env: this.envFor(opts.env),
      input: opts.input ?? '',
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs and fails the test (with stderr) unless the exit code is 0. */
  ok(args: readonly string[], opts: RunOptions = {}): string {
    const r = this.run(args, opts);
    if (r.code !== 0) throw new Error(`bella ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /** Runs and parses stdout as JSON. */
  json<T>(args: readonly string[], opts: RunOptions = {}): T {
    return JSON.parse(this.ok(args, opts)) as T;
  }

  /** Like run, but without blocking the event loop (needed when the server runs in this process). */
  runAsync(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const child = spawn(process.execPath, [join(ROOT, 'bin/bella.js'), ...args], { cwd: opts.cwd ?? this.cwd, env: this.envFor(opts.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(opts.input ?? '');
    return new Promise((ok) => child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr })));
  }

  login(email: string, password: string): void {
    this.ok(['login', '--email', email, '--password-stdin'], { input: `${password}\n` });
  }
}

/**
 * Runs the CLI on a pseudo-terminal through util-linux `script`, so stdin and stdout are TTYs.
 * `answer` is typed only once `waitFor` has appeared, i.e. after the CLI has switched echo off.
 */
export function runOnTty(user: CliUser, args: readonly string[], opts: { waitFor?: string; answer?: string; env?: Record<string, string>; cwd?: string; stdoutTo?: string } = {}): Promise<{ code: number; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // stdoutTo redirects only stdout to a file, leaving stderr on the terminal.
  const cmd = [process.execPath, join(ROOT, 'bin/bella.js'), ...args].map(quote).join(' ') + (opts.stdoutTo ? ` > ${quote(opts.stdoutTo)}` : '');
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: opts.cwd ?? user.cwd, env: user.envFor(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let answered = false;
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`timed out on a TTY; output so far:\n${output}`));
    }, 30_000);
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      if (!answered && opts.waitFor !== undefined && output.includes(opts.waitFor)) {
        answered = true;
        // Give the CLI a moment after printing the prompt to be sure raw mode is on.
        setTimeout(() => child.stdin?.write(opts.answer ?? ''), 150);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      ok({ code: code ?? -1, output });
    });
  });
}

export const hasScript = spawnSync('script', ['--version']).status === 0;
