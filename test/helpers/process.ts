import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ADMIN } from './admin.js';

/**
 * A real `node bin/bella-server.js` process for end-to-end tests (crash, log-leak, CLI tests).
 * It runs the compiled server in dist/, so build first (`npx tsc -p tsconfig.build.json`; `npm test`
 * does it). Typical use:
 *
 *   const srv = await startServerProcess();           // fresh temp data dir, admin from PROCESS_ADMIN
 *   const token = await srv.login();
 *   const r = await srv.request('GET', '/api/v1/projects', { token });
 *   await srv.stop();                                  // SIGTERM, waits for exit
 *   const again = await startServerProcess({ dataDir: srv.dataDir });   // restart on the same data
 *   await again.stop(); removeDataDir(srv.dataDir);
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_BIN = join(REPO_ROOT, 'bin', 'bella-server.js');
/** The admin a process is started with: the one TEST_ADMIN of every harness. */
export const PROCESS_ADMIN = TEST_ADMIN;

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  /** The raw body bytes (search these for leaks) */
  readonly bytes: Buffer;
  readonly text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  readonly token?: string | null;
  /** JSON-encoded and sent with Content-Type: application/json */
  readonly body?: unknown;
  /** Sent as is (Content-Type application/json unless headers say otherwise) */
  readonly raw?: string | Buffer;
  readonly headers?: Record<string, string>;
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote so far */
  stdout(): string;
  stderr(): string;
  stdoutBytes(): Buffer;
  stderrBytes(): Buffer;
  /** Resolves when the process has exited (with whatever signal or code) */
  readonly exited: Promise<ExitInfo>;
  request(method: string, path: string, opts?: RequestOptions): Promise<HttpResult>;
  /** Logs in (default: the admin this helper configured) and returns the session token */
  login(email?: string, password?: string): Promise<string>;
  /** SIGTERM (graceful: finishes in-flight requests, closes the store), then waits for exit */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** SIGKILL: a crash, nothing flushed by the process itself */
  kill(): Promise<ExitInfo>;
}

export interface StartOptions {
  /** Reuse a data dir (restart); default: a fresh temp dir (remove it with removeDataDir) */
  readonly dataDir?: string;
  /** Extra BELLA_* variables; they win over the defaults below */
  readonly env?: Record<string, string>;
  /** Default BELLA_ADMIN_EMAIL/BELLA_ADMIN_PASSWORD = PROCESS_ADMIN; pass null for neither */
  readonly admin?: { readonly email: string; readonly password: string } | null;
  readonly startTimeoutMs?: number;
  /** Listen on this port (a restart that clients must find where they left it); default: a free one */
  readonly port?: number;
}

/** A fresh temp directory for BELLA_DATA_DIR. */
export function makeDataDir(prefix = 'bella-proc-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A port nobody listens on right now (the OS picks it; a tiny race remains, hence startServerProcess
 * retries). The only freePort of the test suite: every harness that starts a server on a port uses it.
 */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

/**
 * The status of one GET on its own connection, closed afterwards (null if nothing answers). For
 * readiness polls: fetch would leave the connection in its pool, and a test that then blocks the
 * event loop (spawnSync of the CLI) past the server's keep-alive timeout would reuse it after the
 * server closed it ("other side closed").
 */
export function probeStatus(url: string, timeoutMs = 2000): Promise<number | null> {
  return new Promise((res) => {
    const req = get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (r) => {
      r.resume();
      r.once('end', () => res(r.statusCode ?? null));
      r.once('error', () => res(null));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => res(null));
  });
}

/** Plain fetch against a base URL with the API's conventions (Bearer token, JSON body). */
export async function httpRequest(baseUrl: string, method: string, path: string, o: RequestOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (o.body !== undefined) body = JSON.stringify(o.body);
  else if (o.raw !== undefined) body = typeof o.raw === 'string' ? o.raw : new Uint8Array(o.raw);
  if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const r = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const bytes = Buffer.from(await r.arrayBuffer());
  const text = bytes.toString('utf8');
  return { status: r.status, headers: r.headers, bytes, text, json: () => JSON.parse(text) };
}

/**
 * Starts bella-server and resolves once it printed its own "listening on" line for the port and GET
 * /healthz answers 200 (rejects with its stderr if it dies first). The line proves that the server
 * answering is this child, not another process that grabbed the freed port first.
 */
export async function startServerProcess(opts: StartOptions = {}): Promise<ServerProcess> {
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'main.js'))) {
    throw new Error('dist/src/main.js is missing: build the server first (npx tsc -p tsconfig.build.json)');
  }
  // One data dir for every attempt, so a retried start does not leave empty temp dirs behind.
  const withDir: StartOptions = { ...opts, dataDir: opts.dataDir ?? makeDataDir() };
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(withDir, opts.port ?? (await freePort()));
    } catch (e) {
      lastError = e;
      if (!String(e).includes('EADDRINUSE')) throw e;
    }
  }
  throw lastError;
}

async function startOnce(opts: StartOptions, port: number): Promise<ServerProcess> {
  const dataDir = opts.dataDir as string;
  // A clean BELLA_* environment: nothing from the developer's shell leaks into the test server.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BELLA_')) env[k] = v;
  const admin = opts.admin === undefined ? PROCESS_ADMIN : opts.admin;
  Object.assign(env, { BELLA_PORT: String(port), BELLA_HOST: '127.0.0.1', BELLA_DATA_DIR: dataDir }, admin ? { BELLA_ADMIN_EMAIL: admin.email, BELLA_ADMIN_PASSWORD: admin.password } : {}, opts.env);
  const child = spawn(process.execPath, [SERVER_BIN], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  let exitInfo: ExitInfo | null = null;
  const exited = new Promise<ExitInfo>((res) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      res(exitInfo);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const stderr = () => Buffer.concat(err).toString('utf8');
  const listening = new RegExp(`listening on http://\\S+:${port} `);
  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  for (;;) {
    if (exitInfo) throw new Error(`bella-server exited during start (${JSON.stringify(exitInfo)}): ${stderr()}`);
    if (listening.test(Buffer.concat(out).toString('utf8')) && (await probeStatus(`${url}/healthz`)) === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bella-server did not answer /healthz within the start timeout: ${stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const request: ServerProcess['request'] = (method, path, o) => httpRequest(url, method, path, o);
  const signalAndWait = async (signal: NodeJS.Signals, timeoutMs: number): Promise<ExitInfo> => {
    if (exitInfo) return exitInfo;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    url,
    port,
    dataDir,
    pid: child.pid as number,
    child,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr,
    stdoutBytes: () => Buffer.concat(out),
    stderrBytes: () => Buffer.concat(err),
    exited,
    request,
    async login(email = PROCESS_ADMIN.email, password = PROCESS_ADMIN.password) {
      const r = await request('POST', '/api/v1/auth/login', { body: { email, password } });
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${r.text}`);
      return r.json<{ token: string }>().token;
    },
    stop: (timeoutMs = 10_000) => signalAndWait('SIGTERM', timeoutMs),
    kill: () => signalAndWait('SIGKILL', 5_000),
  };
}
