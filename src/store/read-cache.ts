import type { Store, StoreTx } from './ports.js';
import type { Unit } from './types.js';

/**
 * The exact read cache of the hot path: principals' rows (API keys, sessions, users, leases and trust
 * tokens), projects, environments, memberships and secret rows (still encrypted: a plaintext value is
 * never cached; the unwrapped project data keys are the KeyRing's). It serves a row only while nothing
 * that could change it has committed since it was read:
 *
 * - this node's own changes: a unit whose work touches a cached table (users, projects, members,
 *   secrets, apiKeys, issuedTokens) empties the cache as soon as its batch commits, before the
 *   batch's responses are released;
 * - any node's changes (PostgreSQL nodes, or another process on the SQLite file): triggers bump
 *   `cache_version` in the committing transaction, and `fence()` (called once per request, before
 *   its credentials are looked up) reads it; a different value empties the cache. The fences called
 *   during one event-loop turn share one read, started after that turn's I/O, never one that began
 *   before they were called, so a change committed before a request arrived is always seen by it.
 *
 * A read that was in flight while the cache was emptied does not fill it (generation check), so a row
 * read before a change can never be served after it. Bounded: a method's map is dropped when it holds
 * more than MAX_ENTRIES rows (say, someone probing random key ids).
 */
export interface ReadCache {
  /** Makes the next reads see every change committed (on any node) before this call. Never throws. */
  fence(): Promise<void>;
  /** Empties the cache. */
  invalidate(): void;
  readonly stats: { hits: number; misses: number; invalidations: number };
}

const MAX_ENTRIES = 20_000;

/** Shared between requests, so read-only: a row (or a list of rows) is frozen one level deep when cached. */
function freeze<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const x of v) if (x && typeof x === 'object') Object.freeze(x);
    return Object.freeze(v) as T;
  }
  return v && typeof v === 'object' && !Buffer.isBuffer(v) ? (Object.freeze(v) as T) : v;
}

/** Ports whose rows the cache holds, and the methods of each that it memoises. */
const CACHED = {
  apiKeys: ['get'],
  projects: ['getById', 'getBySlug', 'getEnvironment', 'getEnvironmentById'],
  secrets: ['get', 'list', 'stamp'],
  users: ['getById', 'getSession'],
  issuedTokens: ['get'],
  members: ['listOfUser', 'listOfProject'],
} as const;
/** Their write side (every method of these StoreTx ports counts as a possible change). */
const WRITES: readonly (keyof StoreTx)[] = ['apiKeys', 'projects', 'secrets', 'users', 'issuedTokens', 'members'];

export function withReadCache(store: Store): Store & { readonly cache: ReadCache } {
  let generation = 0;
  let version: number | null = null;
  const maps: Map<string, unknown>[] = [];
  const stats = { hits: 0, misses: 0, invalidations: 0 };
  const invalidate = () => {
    generation++;
    stats.invalidations++;
    for (const m of maps) m.clear();
  };

  const memo = <A extends unknown[], R>(fn: (...a: A) => Promise<R>): ((...a: A) => Promise<R>) => {
    const map = new Map<string, R>();
    maps.push(map as Map<string, unknown>);
    return async (...a: A) => {
      let key = '';
      if (a.length === 1) key = String(a[0]);
      else for (let i = 0; i < a.length; i++) key += `${i === 0 ? '' : '\u0000'}${a[i] === undefined ? '\u0001' : String(a[i])}`;
      const hit = map.get(key);
      if (hit !== undefined || map.has(key)) {
        stats.hits++;
        return hit as R;
      }
      stats.misses++;
      const g = generation;
      const v = await fn(...a);
      if (g === generation) {
        if (map.size >= MAX_ENTRIES) map.clear();
        map.set(key, freeze(v));
      }
      return v;
    };
  };

  const cachedPorts: Record<string, unknown> = {};
  for (const [port, methods] of Object.entries(CACHED)) {
    const base = store[port as keyof Store] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const wrapped: Record<string, unknown> = { ...base };
    for (const m of methods) wrapped[m] = memo((base[m] as (...a: unknown[]) => Promise<unknown>).bind(base));
    cachedPorts[port] = wrapped;
  }

  /**
   * One version read per event-loop turn, one at a time. A fence joins the read that has not started
   * yet (`pending`), which starts once this turn's I/O callbacks have run (setImmediate) and any read
   * in flight has settled: so every request that arrived in the same turn shares one read, and each
   * caller's read began after its call. `pending` is cleared the moment its read starts, so a later
   * caller never shares a read that began before it.
   */
  const check = async () => {
    try {
      const v = await store.cacheVersion();
      if (v !== version) {
        invalidate();
        version = v;
      }
    } catch {
      // Freshness cannot be proved: serve nothing from the cache; the reads themselves go to the database.
      invalidate();
      version = null;
    }
  };
  let pending: Promise<void> | null = null;
  let running: Promise<void> | null = null;
  const start = async (): Promise<void> => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (running) await running;
    pending = null;
    const r = check();
    running = r;
    await r;
    if (running === r) running = null;
  };
  const fence = (): Promise<void> => (pending ??= start());

  /**
   * Counts calls of a cached table's write side (any method of those StoreTx ports). The wrapped tx is
   * built once per transaction object (the adapters keep one), not per unit; a batch during which the
   * count moved empties the cache when it settles (overlapping batches only make that more eager).
   */
  let writes = 0;
  const watched = new WeakMap<StoreTx, StoreTx>();
  const watch = (tx: StoreTx): StoreTx => {
    let w = watched.get(tx);
    if (w) return w;
    const out: Record<string, unknown> = { ...tx };
    for (const p of WRITES) {
      const port = tx[p] as unknown as Record<string, (...a: unknown[]) => unknown>;
      const wp: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(port)) {
        wp[name] = (...a: unknown[]) => {
          writes++;
          return f.apply(port, a);
        };
      }
      out[p] = wp;
    }
    w = out as unknown as StoreTx;
    watched.set(tx, w);
    return w;
  };

  const cache: ReadCache = { fence, invalidate, stats };
  return {
    ...store,
    ...(cachedPorts as Partial<Store>),
    cache,
    commitBatch(units, more) {
      const before = writes;
      const wrap = (u: Unit): Unit => {
        const work = u.work;
        if (!work) return u;
        // Prototype delegation keeps the unit's audit list live (the runner reads it after the work).
        return Object.create(u, { work: { value: (tx: StoreTx) => work(watch(tx)) } }) as Unit;
      };
      const wrapped = units.map(wrap);
      const settle = () => {
        if (writes !== before) invalidate();
      };
      return store.commitBatch(wrapped, more && (() => more().map(wrap))).then(
        (r) => {
          settle();
          return r;
        },
        (e: unknown) => {
          settle();
          throw e;
        },
      );
    },
  };
}
