import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { systemAuditDraft } from './audit/system-entry.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGroupCommitter } from './audit/committer.js';
import { startPurgeScheduler } from './audit/retention.js';
import type { Config } from './config.js';
import { buildApp, type App } from './http/app.js';
import type { AppDeps } from './http/deps.js';
import { hashPassword } from './identity/passwords.js';
import { KeyRing, loadOrCreateMasterKey } from './secrets/envelope.js';
import { createSqliteStore } from './store/sqlite/sqlite-store.js';
import { UniqueViolationError, type Store, type UserRow } from './store/types.js';

export interface Server {
  readonly app: App;
  readonly store: Store;
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

/** Composition root: config → store → services → app (not yet listening). */
export async function createServer(config: Config, opts: { store?: Store; clock?: () => Date } = {}): Promise<Server> {
  const notices: string[] = [];
  const clock = opts.clock ?? (() => new Date());
  let master = config.masterKey;
  if (!master) {
    const k = loadOrCreateMasterKey(config.dataDir);
    if (k.created) notices.push(`Generated a master key in ${k.file} (mode 0600). Back it up: without it, stored secrets cannot be decrypted.`);
    master = k.key;
  }
  const store = opts.store ?? (await openStore(config));
  await store.migrate();
  const committer = createGroupCommitter({ store, now: clock });
  const deps: AppDeps = {
    store,
    committer,
    keyring: new KeyRing(master),
    clock,
    cursorKey: createHmac('sha256', master).update('bella-cursor-v1').digest(),
    trustedProxies: config.trustedProxies,
    logLevel: config.logLevel,
    // dist/src/server.js → the repository's web/dist (built by npm run build)
    webRoot: fileURLToPath(new URL('../../web/dist', import.meta.url)),
  };
  notices.push(...(await bootstrapAdmin(deps, config)));
  const app = await buildApp(deps);
  // Retention: a purge now, then every purgeIntervalMinutes; a failed run is logged and retried next time.
  const purger = startPurgeScheduler(deps, config.purgeIntervalMinutes * 60_000, (e) =>
    app.log.error({ err: e instanceof Error ? e.message : String(e) }, 'retention purge failed; retrying at the next interval'),
  );
  return {
    app,
    store,
    deps,
    notices,
    async close() {
      await purger.stop();
      await app.close();
      await committer.drain();
      await store.close();
    },
  };
}

/** Creates the first instance admin; the creation is itself an audit entry by the System actor. */
async function bootstrapAdmin(deps: AppDeps, config: Config): Promise<string[]> {
  const email = config.adminEmail ?? 'admin@bella.local';
  if (config.adminEmail ? await deps.store.users.getByEmail(email) : (await deps.store.users.count()) > 0) return [];
  const generated = config.adminPassword === null;
  const password = config.adminPassword ?? randomBytes(18).toString('base64url');
  const now = deps.clock().toISOString();
  const user = { id: randomUUID(), email, name: 'Instance Admin', passwordHash: await hashPassword(password), admin: true, createdAt: now };
  try {
    await createAdmin(deps, user, now);
  } catch (e) {
    // Another node starting at the same moment on the same database created it first.
    if (e instanceof UniqueViolationError) return [];
    throw e;
  }
  return generated
    ? [`Created the instance admin ${email} with the one-time password: ${password}`, 'It is shown only now. Set BELLA_ADMIN_EMAIL and BELLA_ADMIN_PASSWORD to choose your own.']
    : [`Created the instance admin ${email} (password from BELLA_ADMIN_PASSWORD).`];
}

function createAdmin(deps: AppDeps, user: UserRow, now: string): Promise<unknown> {
  return deps.committer.submit({
    work: (tx) => tx.users.insert(user),
    audit: [systemAuditDraft({ event: 'UserCreated', resource: user.email, timestamp: now, details: { userId: user.id, admin: true, bootstrap: true } })],
    access: [],
  });
}
