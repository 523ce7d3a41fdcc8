import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGroupCommitter } from './audit/committer.js';
import { systemOp } from './audit/recorder.js';
import { createCheckpointWorker } from './audit/checkpoint-worker.js';
import { createRetentionWorker } from './audit/retention-worker.js';
import { createUnitOfWork, type UnitOfWork } from './audit/unit-of-work.js';
import type { Config } from './config.js';
import { checkDataDir, markInitialized } from './data-dir.js';
import { buildApp, type App } from './http/app.js';
import type { AppDeps } from './http/deps.js';
import { createAuthenticator } from './identity/authenticator.js';
import { createReplayGuard } from './identity/replay-guard.js';
import type { Clock } from './kernel/clock.js';
import { DomainError } from './kernel/errors.js';
import { KeyRing, loadOrCreateMasterKey } from './secrets/envelope.js';
import { createServices, type Services } from './services.js';
import type { Store } from './store/ports.js';
import { withReadCache } from './store/read-cache.js';
import { createSqliteStore } from './store/sqlite/sqlite-store.js';
import { createSupervisor, type Supervisor } from './workers/supervisor.js';
import { intervalWorker } from './workers/worker.js';
import { hostname } from 'node:os';
import { createDeliveryWorker } from './streams/delivery-worker.js';

export interface Server {
  readonly app: App;
  readonly store: Store;
  readonly services: Services;
  readonly uow: UnitOfWork;
  readonly supervisor: Supervisor;
  readonly deps: AppDeps;
  /** Lines for the operator (admin bootstrap, key file creation); printed once by main.ts */
  readonly notices: readonly string[];
  close(): Promise<void>;
}

/** Chooses the store adapter: the one place that knows there are several. */
export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl) {
    const { createPostgresStore } = await import('./store/postgres/postgres-store.js');
    return createPostgresStore({ url: config.databaseUrl });
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return createSqliteStore({ file: join(config.dataDir, 'bella.db'), synchronous: config.sqliteSynchronous });
}

/** Composition root: config → store → unit of work → services → workers → app (not yet listening). */
export async function createServer(config: Config, opts: { store?: Store; clock?: Clock } = {}): Promise<Server> {
  const notices: string[] = [];
  const clock = opts.clock ?? (() => new Date());
  // Before the master key file is created: its presence is evidence of an earlier start.
  if (!config.databaseUrl && !opts.store) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    checkDataDir(config.dataDir, { initialize: config.initialize });
  }
  let master = config.masterKey;
  if (!master) {
    const k = loadOrCreateMasterKey(config.dataDir);
    if (k.created) notices.push(`Generated a master key in ${k.file} (mode 0600). Back it up: without it, stored secrets cannot be decrypted.`);
    master = k.key;
  }
  // The exact read cache of the hot path (store/read-cache.ts); every request fences it first.
  const store = withReadCache(opts.store ?? (await openStore(config)));
  await store.migrate();
  if (store.kind === 'sqlite') markInitialized(config.dataDir, clock());
  const keyring = new KeyRing(master);
  const uow = createUnitOfWork({ committer: createGroupCommitter({ store, now: clock }) });
  let log: App['log'] | null = null;
  const services = createServices({
    store, uow, keyring, clock, cursorKey: createHmac('sha256', master).update('bella-cursor-v1').digest(), exportLimits: config.exportLimits,
    tempDir: config.dataDir, oidc: config.oidc, streamTimeoutMs: config.streams.timeoutMs,
    checkpoints: { ...config.checkpoints, alert: (message) => log?.error({ err: message }, 'Audit Log checkpoint: refused or not published') },
  });
  notices.push(...(await bootstrapAdmin(services, store, clock, config)));
  // The checkpoint key, created now if there is none. A node whose master key cannot open it (another
  // key than the node that created it) still serves; its checkpoints worker reports why it cannot sign.
  await services.integrity.ensureKey().catch((e: unknown) => {
    notices.push(`The Audit Log checkpoint signing key cannot be opened with this node's master key (${e instanceof Error ? e.message : String(e)}): no checkpoint will be signed here. Use the same BELLA_MASTER_KEY on every node.`);
  });
  // Audit Log streams: one delivery loop per stream, reading the log by seq from its durable cursor.
  const streamWorker = createDeliveryWorker({
    store,
    uow,
    keyring,
    clock,
    runtime: services.streamRuntime,
    sinkDeps: { hostname: hostname(), fetch: globalThis.fetch },
    config: config.streams,
    // SQLite has one node by construction: a restart (after a crash too) takes its streams back at
    // once. On PostgreSQL each process is a node of its own; a dead node's leases run out.
    nodeId: store.kind === 'sqlite' ? `sqlite:${config.dataDir}` : `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    onError: (e, stream) => log?.warn({ stream, err: e instanceof Error ? e.message : String(e) }, 'audit stream delivery step failed; retrying'),
  });
  const supervisor = createSupervisor([
    streamWorker,
    // Retention: a purge now, then every purgeIntervalMinutes; a failed run is logged and retried next time.
    createRetentionWorker({
      retention: services.retention,
      clock,
      intervalMs: config.purgeIntervalMinutes * 60_000,
      onError: (e) => log?.error({ err: e instanceof Error ? e.message : String(e) }, 'retention purge failed; retrying at the next interval'),
    }),
    // Lease expiry: LeaseExpired (System) for every lease past its expiry, at start (so a restart that
    // spanned an expiry records it) and then every leaseSweepSeconds (at most 60: within a minute).
    intervalWorker({
      name: 'lease-expiry',
      intervalMs: config.leaseSweepSeconds * 1000,
      now: clock,
      run: () => services.leases.recordExpiries(systemOp({ clock })),
      onError: (e) => log?.error({ err: e instanceof Error ? e.message : String(e) }, 'recording lease expiries failed; retrying at the next interval'),
    }),
    // Credential leases: removes the database logins of expired leases and retries failed removals
    // (with backoff, until they succeed or are marked irrevocable), on the same interval.
    intervalWorker({
      name: 'credential-leases',
      intervalMs: config.leaseSweepSeconds * 1000,
      now: clock,
      run: () => services.credentialLeases.sweep(systemOp({ clock })),
      onError: (e) => log?.error({ err: e instanceof Error ? e.message : String(e) }, 'the credential lease sweep failed; retrying at the next interval'),
    }),
    // Checkpoints: one now, then every intervalSeconds when the log grew.
    createCheckpointWorker({
      integrity: services.integrity,
      clock,
      intervalMs: config.checkpoints.intervalSeconds * 1000,
      onError: (e) => log?.error({ err: e instanceof Error ? e.message : String(e) }, 'checkpoint failed; retrying at the next interval'),
    }),
  ]);
  const deps: AppDeps = {
    services,
    authenticator: createAuthenticator({ store, keyring, clock, replay: createReplayGuard({ clock }), fence: store.cache.fence }),
    uow,
    store,
    workers: () => supervisor.health(),
    streams: () => streamWorker.streams(),
    clock,
    trustedProxies: config.trustedProxies,
    logLevel: config.logLevel,
    timeouts: config.timeouts,
    // dist/src/server.js → the repository's web/dist (built by npm run build)
    webRoot: fileURLToPath(new URL('../../web/dist', import.meta.url)),
  };
  const app = await buildApp(deps);
  log = app.log;
  await supervisor.start();
  return {
    app,
    store,
    services,
    uow,
    supervisor,
    deps,
    notices,
    async close() {
      await supervisor.stop();
      await app.close();
      await uow.drain();
      await store.close();
    },
  };
}

/** Creates the first instance admin; the creation is itself an audit entry by the System actor. */
async function bootstrapAdmin(services: Services, store: Store, clock: Clock, config: Config): Promise<string[]> {
  const email = config.adminEmail ?? 'admin@bella.local';
  if (config.adminEmail ? await store.users.getByEmail(email) : (await store.users.count()) > 0) return [];
  const generated = config.adminPassword === null;
  const password = config.adminPassword ?? randomBytes(18).toString('base64url');
  try {
    await services.users.create(systemOp({ clock }), { email, name: 'Instance Admin', password, admin: true }, { bootstrap: true });
  } catch (e) {
    // Another node starting at the same moment on the same database created it first.
    if (e instanceof DomainError && e.code === 'conflict') return [];
    throw e;
  }
  return generated
    ? [`Created the instance admin ${email} with the one-time password: ${password}`, 'It is shown only now. Set BELLA_ADMIN_EMAIL and BELLA_ADMIN_PASSWORD to choose your own.']
    : [`Created the instance admin ${email} (password from BELLA_ADMIN_PASSWORD).`];
}
