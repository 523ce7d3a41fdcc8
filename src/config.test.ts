import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const HEX_KEY = 'ab'.repeat(32);
const B64_KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('an empty environment gives the documented defaults, frozen', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080, host: '127.0.0.1', dataDir: resolve('./data'), masterKey: null, adminEmail: null, adminPassword: null,
      trustedProxies: [], databaseUrl: null, logLevel: 'info', purgeIntervalMinutes: 60, sqliteSynchronous: 'FULL',
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.trustedProxies)).toBe(true);
  });

  it('reads every variable when it is valid', () => {
    const c = loadConfig({
      BELLA_PORT: '9090', BELLA_HOST: '0.0.0.0', BELLA_DATA_DIR: '/tmp/bella-x', BELLA_MASTER_KEY: HEX_KEY,
      BELLA_ADMIN_EMAIL: 'Root@Example.COM', BELLA_ADMIN_PASSWORD: 'a-long-password', BELLA_TRUSTED_PROXIES: '10.0.0.1, ::1',
      BELLA_DATABASE_URL: 'postgresql://localhost/bella', BELLA_LOG_LEVEL: 'debug', BELLA_PURGE_INTERVAL_MINUTES: '5',
    });
    expect(c).toMatchObject({
      port: 9090, host: '0.0.0.0', dataDir: '/tmp/bella-x', adminEmail: 'root@example.com', adminPassword: 'a-long-password',
      trustedProxies: ['10.0.0.1', '::1'], databaseUrl: 'postgresql://localhost/bella', logLevel: 'debug', purgeIntervalMinutes: 5,
    });
    expect(c.masterKey?.toString('hex')).toBe(HEX_KEY);
  });

  it('slow-client timeouts have defaults, are read in milliseconds and refuse nonsense', () => {
    expect(loadConfig({}).timeouts).toEqual({ headersMs: 10_000, requestMs: 30_000, idleMs: 60_000, keepAliveMs: 5_000 });
    expect(loadConfig({ BELLA_HEADERS_TIMEOUT_MS: '500', BELLA_REQUEST_TIMEOUT_MS: '1500', BELLA_IDLE_TIMEOUT_MS: '2500', BELLA_KEEP_ALIVE_TIMEOUT_MS: '100' }).timeouts)
      .toEqual({ headersMs: 500, requestMs: 1500, idleMs: 2500, keepAliveMs: 100 });
    expect(() => loadConfig({ BELLA_IDLE_TIMEOUT_MS: '10s' })).toThrow('BELLA_IDLE_TIMEOUT_MS must be a whole number of milliseconds, at least 100; got "10s"');
    expect(() => loadConfig({ BELLA_REQUEST_TIMEOUT_MS: '50' })).toThrow(ConfigError);
    expect(() => loadConfig({ BELLA_HEADERS_TIMEOUT_MS: '40000' })).toThrow('must not exceed BELLA_REQUEST_TIMEOUT_MS');
  });

  it('a master key is accepted as 64 hex characters or as base64 of 32 bytes', () => {
    expect(loadConfig({ BELLA_MASTER_KEY: HEX_KEY.toUpperCase() }).masterKey?.toString('hex')).toBe(HEX_KEY);
    expect(loadConfig({ BELLA_MASTER_KEY: B64_KEY }).masterKey).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig({ BELLA_MASTER_KEY: B64_KEY.replace(/=$/, '') }).masterKey).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig({ BELLA_HOST: 'localhost' }).host).toBe('localhost');
    expect(loadConfig({ BELLA_HOST: '::1' }).host).toBe('::1');
  });

  // Each bad value → a ConfigError whose message names the variable and says what is accepted.
  const bad: [string, Record<string, string>, RegExp][] = [
    ['port not a number', { BELLA_PORT: 'http' }, /BELLA_PORT must be a port number from 1 to 65535, got "http"/],
    ['port 0', { BELLA_PORT: '0' }, /BELLA_PORT must be a port number from 1 to 65535/],
    ['port too large', { BELLA_PORT: '65536' }, /BELLA_PORT/],
    ['port negative', { BELLA_PORT: '-1' }, /BELLA_PORT/],
    ['port with spaces', { BELLA_PORT: ' 80' }, /BELLA_PORT/],
    ['port fractional', { BELLA_PORT: '80.5' }, /BELLA_PORT/],
    ['host a name', { BELLA_HOST: 'example.com' }, /BELLA_HOST must be an IP address/],
    ['host garbage', { BELLA_HOST: '1.2.3.4.5' }, /BELLA_HOST/],
    ['master key short hex', { BELLA_MASTER_KEY: 'ab'.repeat(31) }, /BELLA_MASTER_KEY must be 32 bytes as 64 hex characters or base64/],
    ['master key long hex', { BELLA_MASTER_KEY: 'ab'.repeat(33) }, /BELLA_MASTER_KEY/],
    ['master key base64 of 31 bytes', { BELLA_MASTER_KEY: Buffer.alloc(31).toString('base64') }, /BELLA_MASTER_KEY/],
    ['master key not hex nor base64', { BELLA_MASTER_KEY: 'z'.repeat(64) + '!' }, /BELLA_MASTER_KEY/],
    ['admin email without password', { BELLA_ADMIN_EMAIL: 'a@b.co' }, /BELLA_ADMIN_EMAIL and BELLA_ADMIN_PASSWORD must be set together/],
    ['admin password without email', { BELLA_ADMIN_PASSWORD: 'long-enough-pw' }, /must be set together/],
    ['admin email malformed', { BELLA_ADMIN_EMAIL: 'not-an-email', BELLA_ADMIN_PASSWORD: 'long-enough-pw' }, /BELLA_ADMIN_EMAIL must be an email address, got "not-an-email"/],
    ['admin password short', { BELLA_ADMIN_EMAIL: 'a@b.co', BELLA_ADMIN_PASSWORD: 'short' }, /BELLA_ADMIN_PASSWORD must be at least 12 characters/],
    ['trusted proxy not an IP', { BELLA_TRUSTED_PROXIES: '10.0.0.1,proxy.local' }, /BELLA_TRUSTED_PROXIES .* "proxy.local" is not one/],
    ['trusted proxy CIDR', { BELLA_TRUSTED_PROXIES: '10.0.0.0/8' }, /BELLA_TRUSTED_PROXIES/],
    ['database url of another kind', { BELLA_DATABASE_URL: 'mysql://localhost/db' }, /BELLA_DATABASE_URL must start with postgres:\/\//],
    ['log level unknown', { BELLA_LOG_LEVEL: 'verbose' }, /BELLA_LOG_LEVEL must be one of fatal, error, warn, info, debug, silent/],
    ['log level upper case', { BELLA_LOG_LEVEL: 'INFO' }, /BELLA_LOG_LEVEL/],
    ['purge interval zero', { BELLA_PURGE_INTERVAL_MINUTES: '0' }, /BELLA_PURGE_INTERVAL_MINUTES must be a whole number of minutes, at least 1/],
    ['purge interval fractional', { BELLA_PURGE_INTERVAL_MINUTES: '1.5' }, /BELLA_PURGE_INTERVAL_MINUTES/],
    ['purge interval words', { BELLA_PURGE_INTERVAL_MINUTES: 'hourly' }, /BELLA_PURGE_INTERVAL_MINUTES/],
    ['sqlite synchronous unknown', { BELLA_SQLITE_SYNCHRONOUS: 'OFF' }, /BELLA_SQLITE_SYNCHRONOUS must be FULL .* or NORMAL/],
  ];
  it.each(bad)('a bad value is a clear ConfigError: %s', (_name, env, message) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).name).toBe('ConfigError');
  });

  it('a bad master key is never echoed back in the error', () => {
    const secretish = 'c'.repeat(63);
    expect(() => loadConfig({ BELLA_MASTER_KEY: secretish })).toThrow(ConfigError);
    try {
      loadConfig({ BELLA_MASTER_KEY: secretish });
    } catch (e) {
      expect((e as Error).message).not.toContain(secretish);
    }
  });

  it('the admin password is never echoed back in the error', () => {
    try {
      loadConfig({ BELLA_ADMIN_EMAIL: 'a@b.co', BELLA_ADMIN_PASSWORD: 'tiny-secret' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('tiny-secret');
    }
  });
});

describe('checkpoint settings', () => {
  it('default to a minute, <data dir>/checkpoints and the local origin; refuse bad values with the variable named', () => {
    expect(loadConfig({ BELLA_DATA_DIR: '/tmp/x' }).checkpoints).toEqual({ intervalSeconds: 60, dir: '/tmp/x/checkpoints', origin: 'bella.local/audit-log', webhookUrl: null });
    expect(loadConfig({ BELLA_CHECKPOINT_DIR: 'off' }).checkpoints.dir).toBeNull();
    expect(loadConfig({ BELLA_CHECKPOINT_WEBHOOK_URL: 'https://witness.example/add' }).checkpoints.webhookUrl).toBe('https://witness.example/add');
    expect(() => loadConfig({ BELLA_CHECKPOINT_INTERVAL_SECONDS: '0' })).toThrow(/BELLA_CHECKPOINT_INTERVAL_SECONDS/);
    expect(() => loadConfig({ BELLA_CHECKPOINT_ORIGIN: 'has space' })).toThrow(/BELLA_CHECKPOINT_ORIGIN/);
    expect(() => loadConfig({ BELLA_CHECKPOINT_ORIGIN: 'a+b' })).toThrow(/BELLA_CHECKPOINT_ORIGIN/);
    expect(() => loadConfig({ BELLA_CHECKPOINT_WEBHOOK_URL: 'ftp://x' })).toThrow(/BELLA_CHECKPOINT_WEBHOOK_URL/);
  });
});
