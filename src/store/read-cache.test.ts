import { describe, expect, it } from 'vitest';
import type { Store } from './ports.js';
import { withReadCache } from './read-cache.js';

/** A store with only what the read cache wraps: a version the test controls, and one cached read. */
function fakeStore() {
  const reads: { resolve: (v: number) => void; at: number }[] = [];
  let clock = 0;
  let deferred = false;
  let version = 1;
  let keyReads = 0;
  const port = (methods: readonly string[]) => Object.fromEntries(methods.map((m) => [m, async () => null]));
  const store = {
    cacheVersion: () => {
      const at = ++clock;
      if (!deferred) {
        reads.push({ resolve: () => undefined, at });
        return Promise.resolve(version);
      }
      return new Promise<number>((resolve) => reads.push({ resolve, at }));
    },
    apiKeys: {
      get: async (id: string) => {
        keyReads++;
        return { id, version };
      },
    },
    projects: port(['getById', 'getBySlug', 'getEnvironment', 'getEnvironmentById']),
    secrets: port(['get', 'list', 'stamp']),
    users: port(['getById', 'getSession']),
    issuedTokens: port(['get']),
    members: port(['listOfUser', 'listOfProject']),
    commitBatch: async () => [],
  } as unknown as Store;
  return {
    cached: withReadCache(store),
    reads,
    tick: () => ++clock,
    defer: () => void (deferred = true),
    bump: () => void version++,
    keyReads: () => keyReads,
  };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('the read cache fence', () => {
  it('shares one version read among the fences of one event-loop turn', async () => {
    const f = fakeStore();
    await Promise.all(Array.from({ length: 10 }, () => f.cached.cache.fence()));
    expect(f.reads).toHaveLength(1);
    await f.cached.cache.fence();
    expect(f.reads).toHaveLength(2);
  });

  it('never lets a fence share a read that began before it was called', async () => {
    const f = fakeStore();
    f.defer();
    let aDone = false;
    let bDone = false;
    void f.cached.cache.fence().then(() => (aDone = true));
    await turn();
    await turn();
    expect(f.reads).toHaveLength(1); // A's read is in flight (a database round trip)
    const bCalledAt = f.tick();
    void f.cached.cache.fence().then(() => (bDone = true));
    f.reads[0]?.resolve(1);
    await turn();
    await turn();
    expect(aDone).toBe(true);
    expect(bDone).toBe(false); // A's read began before B: B waits for its own
    expect(f.reads).toHaveLength(2);
    expect(f.reads[1]?.at).toBeGreaterThan(bCalledAt);
    f.reads[1]?.resolve(1);
    await turn();
    expect(bDone).toBe(true);
  });

  it('empties the cache when the version moved, and serves rows from memory while it did not', async () => {
    const f = fakeStore();
    await f.cached.cache.fence();
    await f.cached.apiKeys.get('k');
    await f.cached.cache.fence();
    await f.cached.apiKeys.get('k');
    expect(f.keyReads()).toBe(1);
    f.bump(); // another node committed a change
    await f.cached.cache.fence();
    expect(await f.cached.apiKeys.get('k')).toMatchObject({ version: 2 });
    expect(f.keyReads()).toBe(2);
  });
});
