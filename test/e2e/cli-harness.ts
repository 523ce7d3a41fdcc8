import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * End-to-end harness: a real `bella-server` process per test file (random free port, temp data dir)
 * and the real `bella` CLI as a child process with its own HOME. Requires `npm run build` first.
 */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-123';

function requireBuild(): void {
  for (const f of ['dist/src/main.js', 'dist/src/cli/main.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` before the end-to-end tests`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

export interface TestServer {
  readonly url: string;
  readonly dataDir: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `node bin/bella-server.js` and waits until it says it listens on its port and /readyz
 * answers 200. The port is picked free then released, so another process may grab it first: the
 * child's own "listening" line proves the server answering is ours, and a lost race is retried.
 */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<TestServer> {
  requireBuild();
  let lastError: Error | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(extraEnv);
    } catch (e) {
      lastError = e as Error;
    }
  }
  throw lastError as Error;
}

async function startOnce(extraEnv: Record<string, string>): Promise<TestServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bella-e2e-data-'));
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/bella-server.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      BELLA_PORT: String(port),
      BELLA_HOST: '127.0.0.1',
      BELLA_DATA_DIR: dataDir,
      BELLA_ADMIN_EMAIL: ADMIN_EMAIL,
      BELLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      BELLA_LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`bella-server exited with ${child.exitCode}:\n${output}`);
    }
    if (output.includes(`listening on ${url}`)) {
      try {
        const res = await fetch(`${url}/readyz`);
        if (res.ok) break;
      } catch {
        // not accepting yet
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bella-server did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
