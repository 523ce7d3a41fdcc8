import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** The validated configuration. Parsed once in main.ts; nothing else reads process.env. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** 32 bytes from BELLA_MASTER_KEY, or null to use (or create) the key file in dataDir */
  readonly masterKey: Buffer | null;
  readonly adminEmail: string | null;
  readonly adminPassword: string | null;
  /** Peers allowed to set X-Forwarded-For */
  readonly trustedProxies: readonly string[];
  /** postgres://… selects PostgreSQL; null = embedded SQLite in dataDir */
  readonly databaseUrl: string | null;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Minutes between retention purges */
  readonly purgeIntervalMinutes: number;
  /** SQLite durability: FULL (default) fsyncs every commit; NORMAL may lose the last commits on power loss */
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
  /** BELLA_INITIALIZE=true: start on an empty database even though the data dir held one before */
  readonly initialize: boolean;
  /** Limits that cut off slow or idle clients (milliseconds) */
  readonly timeouts: HttpTimeouts;
  /** Log exports streaming at once on this node: per caller (user or API key) and in all */
  readonly exportLimits: ExportLimitsConfig;
  /** Seconds between runs of the worker that records LeaseExpired */
  readonly leaseSweepSeconds: number;
  /** Keyless OIDC: which issuers may be trusted and how their keys are fetched */
  readonly oidc: OidcConfig;
  /** Signed checkpoints of the Audit Log (docs/verification.md) */
  readonly checkpoints: CheckpointConfig;
  /** Audit Log stream delivery (src/streams/), milliseconds */
  readonly streams: StreamDeliveryConfig;
}

export interface OidcConfig {
  /** Accept http:// issuers on loopback addresses (127.0.0.0/8, ::1, localhost); every other issuer must be https */
  readonly allowHttpLoopback: boolean;
  /** After a refetch of an issuer's keys (an unknown kid), no other refetch for this long */
  readonly jwksCooldownSeconds: number;
}

function parseBool(env: Readonly<Record<string, string | undefined>>, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(`${name} must be true or false; got ${JSON.stringify(v)}`);
}

function parseSeconds(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d{1,6}$/.test(v) || Number(v) < 1 || Number(v) > max) throw new ConfigError(`${name} must be a whole number of seconds from 1 to ${max}; got ${JSON.stringify(v)}`);
  return Number(v);
}

export interface CheckpointConfig {
  /** Seconds between checkpoint runs (a checkpoint is signed only when the log grew) */
  readonly intervalSeconds: number;
  /** Directory of append-only checkpoint files; null publishes none */
  readonly dir: string | null;
  /** The checkpoint origin line, also the signing key's name */
  readonly origin: string;
  /** Each new checkpoint is POSTed here (text/plain, the signed note); null posts nothing */
  readonly webhookUrl: string | null;
}

export interface StreamDeliveryConfig {
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly maxBackoffMs: number;
  readonly failingRetryMs: number;
}

export const STREAM_DELIVERY_DEFAULTS: StreamDeliveryConfig = Object.freeze({ pollMs: 250, timeoutMs: 10_000, maxBackoffMs: 60_000, failingRetryMs: 60_000 });

function parseStreamDelivery(env: Readonly<Record<string, string | undefined>>): StreamDeliveryConfig {
  return Object.freeze({
    pollMs: parseMs(env, 'BELLA_STREAM_POLL_MS', STREAM_DELIVERY_DEFAULTS.pollMs),
    timeoutMs: parseMs(env, 'BELLA_STREAM_TIMEOUT_MS', STREAM_DELIVERY_DEFAULTS.timeoutMs),
    maxBackoffMs: parseMs(env, 'BELLA_STREAM_MAX_BACKOFF_MS', STREAM_DELIVERY_DEFAULTS.maxBackoffMs),
    failingRetryMs: parseMs(env, 'BELLA_STREAM_FAILING_RETRY_MS', STREAM_DELIVERY_DEFAULTS.failingRetryMs),
  });
}

export interface ExportLimitsConfig {
  readonly perCaller: number;
  readonly total: number;
}

export const EXPORT_LIMITS_DEFAULTS: ExportLimitsConfig = Object.freeze({ perCaller: 2, total: 8 });

function parseCount(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d{1,4}$/.test(v) || Number(v) < 1) throw new ConfigError(`${name} must be a whole number from 1 to 9999; got ${JSON.stringify(v)}`);
  return Number(v);
}

function parseExportLimits(env: Readonly<Record<string, string | undefined>>): ExportLimitsConfig {
  const perCaller = parseCount(env, 'BELLA_EXPORTS_PER_CALLER', EXPORT_LIMITS_DEFAULTS.perCaller);
  const total = parseCount(env, 'BELLA_EXPORTS_TOTAL', EXPORT_LIMITS_DEFAULTS.total);
  if (perCaller > total) throw new ConfigError('BELLA_EXPORTS_PER_CALLER must not exceed BELLA_EXPORTS_TOTAL');
  return Object.freeze({ perCaller, total });
}

/** How long a client may take, in milliseconds (a slow client holds a socket and memory). */
export interface HttpTimeouts {
  /** Until every request header has arrived */
  readonly headersMs: number;
  /** Until the whole request (headers and body) has arrived */
  readonly requestMs: number;
  /** A socket with no traffic in either direction for this long is closed */
  readonly idleMs: number;
  /** An idle keep-alive connection waits this long for its next request */
  readonly keepAliveMs: number;
}

export const TIMEOUT_DEFAULTS: HttpTimeouts = Object.freeze({ headersMs: 10_000, requestMs: 30_000, idleMs: 60_000, keepAliveMs: 5_000 });

function parseMs(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d{1,8}$/.test(v) || Number(v) < 100) throw new ConfigError(`${name} must be a whole number of milliseconds, at least 100; got ${JSON.stringify(v)}`);
  return Number(v);
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function parsePort(v: string | undefined): number {
  if (v === undefined || v === '') return 8080;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
    throw new ConfigError(`BELLA_PORT must be a port number from 1 to 65535, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

function parseMasterKey(v: string | undefined): Buffer | null {
  if (v === undefined || v === '') return null;
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  const b = Buffer.from(v, 'base64');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(v) && b.length === 32) return b;
  throw new ConfigError('BELLA_MASTER_KEY must be 32 bytes as 64 hex characters or base64 (generate one: openssl rand -hex 32)');
}

function parseProxies(v: string | undefined): string[] {
  if (!v) return [];
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const ip of list) {
    if (isIP(ip) === 0) throw new ConfigError(`BELLA_TRUSTED_PROXIES must be a comma-separated list of IP addresses; ${JSON.stringify(ip)} is not one`);
  }
  return list;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const adminEmail = env.BELLA_ADMIN_EMAIL || null;
  const adminPassword = env.BELLA_ADMIN_PASSWORD || null;
  if ((adminEmail === null) !== (adminPassword === null)) {
    throw new ConfigError('BELLA_ADMIN_EMAIL and BELLA_ADMIN_PASSWORD must be set together (or neither, to get a one-time password)');
  }
  if (adminEmail !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) {
    throw new ConfigError(`BELLA_ADMIN_EMAIL must be an email address, got ${JSON.stringify(adminEmail)}`);
  }
  if (adminPassword !== null && adminPassword.length < 12) {
    throw new ConfigError('BELLA_ADMIN_PASSWORD must be at least 12 characters');
  }
  const host = env.BELLA_HOST || '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new ConfigError(`BELLA_HOST must be an IP address to listen on (e.g. 127.0.0.1 or 0.0.0.0), got ${JSON.stringify(host)}`);
  }
  const databaseUrl = env.BELLA_DATABASE_URL || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('BELLA_DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite store)');
  }
  const logLevel = (env.BELLA_LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`BELLA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const purge = env.BELLA_PURGE_INTERVAL_MINUTES || '60';
  if (!/^\d{1,6}$/.test(purge) || Number(purge) < 1) {
    throw new ConfigError('BELLA_PURGE_INTERVAL_MINUTES must be a whole number of minutes, at least 1');
  }
  const sync = (env.BELLA_SQLITE_SYNCHRONOUS || 'FULL').toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL') {
    throw new ConfigError('BELLA_SQLITE_SYNCHRONOUS must be FULL (every commit fsynced, the default) or NORMAL');
  }
  const initialize = (env.BELLA_INITIALIZE || 'false').toLowerCase();
  if (initialize !== 'true' && initialize !== 'false') {
    throw new ConfigError('BELLA_INITIALIZE must be true or false');
  }
  return Object.freeze({
    initialize: initialize === 'true',
    port: parsePort(env.BELLA_PORT),
    host,
    dataDir: resolve(env.BELLA_DATA_DIR || './data'),
    masterKey: parseMasterKey(env.BELLA_MASTER_KEY),
    adminEmail: adminEmail?.toLowerCase() ?? null,
    adminPassword,
    trustedProxies: Object.freeze(parseProxies(env.BELLA_TRUSTED_PROXIES)),
    databaseUrl,
    logLevel,
    purgeIntervalMinutes: Number(purge),
    sqliteSynchronous: sync,
    timeouts: Object.freeze(parseTimeouts(env)),
    exportLimits: parseExportLimits(env),
    leaseSweepSeconds: parseSeconds(env, 'BELLA_LEASE_SWEEP_SECONDS', 15, 60),
    oidc: Object.freeze({
      allowHttpLoopback: parseBool(env, 'BELLA_OIDC_ALLOW_HTTP_LOOPBACK', true),
      jwksCooldownSeconds: parseSeconds(env, 'BELLA_OIDC_JWKS_COOLDOWN_SECONDS', 30, 3600),
    }),
    checkpoints: parseCheckpoints(env, resolve(env.BELLA_DATA_DIR || './data')),
    streams: parseStreamDelivery(env),
  });
}

function parseCheckpoints(env: Readonly<Record<string, string | undefined>>, dataDir: string): CheckpointConfig {
  const interval = env.BELLA_CHECKPOINT_INTERVAL_SECONDS || '60';
  if (!/^\d{1,6}$/.test(interval) || Number(interval) < 1) {
    throw new ConfigError('BELLA_CHECKPOINT_INTERVAL_SECONDS must be a whole number of seconds, at least 1');
  }
  const origin = env.BELLA_CHECKPOINT_ORIGIN || 'bella.local/audit-log';
  // The origin is the key name of the signed note: printable, no spaces, no '+'.
  if (!/^[\x21-\x2a\x2c-\x7e]{1,200}$/.test(origin)) {
    throw new ConfigError('BELLA_CHECKPOINT_ORIGIN must be 1 to 200 printable ASCII characters without spaces or "+" (e.g. bella.example.com/audit-log)');
  }
  const dir = env.BELLA_CHECKPOINT_DIR;
  const webhookUrl = env.BELLA_CHECKPOINT_WEBHOOK_URL || null;
  if (webhookUrl !== null && !/^https?:\/\/[^\s]+$/.test(webhookUrl)) {
    throw new ConfigError('BELLA_CHECKPOINT_WEBHOOK_URL must be an http:// or https:// URL');
  }
  return Object.freeze({
    webhookUrl,
    intervalSeconds: Number(interval),
    dir: dir === 'off' ? null : resolve(dir || `${dataDir}/checkpoints`),
    origin,
  });
}

function parseTimeouts(env: Readonly<Record<string, string | undefined>>): HttpTimeouts {
  const t: HttpTimeouts = {
    headersMs: parseMs(env, 'BELLA_HEADERS_TIMEOUT_MS', TIMEOUT_DEFAULTS.headersMs),
    requestMs: parseMs(env, 'BELLA_REQUEST_TIMEOUT_MS', TIMEOUT_DEFAULTS.requestMs),
    idleMs: parseMs(env, 'BELLA_IDLE_TIMEOUT_MS', TIMEOUT_DEFAULTS.idleMs),
    keepAliveMs: parseMs(env, 'BELLA_KEEP_ALIVE_TIMEOUT_MS', TIMEOUT_DEFAULTS.keepAliveMs),
  };
  if (t.headersMs > t.requestMs) throw new ConfigError('BELLA_HEADERS_TIMEOUT_MS must not exceed BELLA_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  return t;
}
