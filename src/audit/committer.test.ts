import { describe, expect, it } from 'vitest';
import type { Store, StoreTx, Unit, UnitOutcome } from '../store/types.js';
import { createGroupCommitter, StoreUnavailableError } from './committer.js';

/**
 * A store stand-in that runs each unit's work like the real adapters (a throwing unit fails alone)
 * and records every commitBatch call, so batching and ordering can be observed exactly.
 */
function fakeStore(opts: { failBatch?: () => string | null; delayMs?: number; logLanes?: number } = {}) {
  const calls: Unit[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const inFlightAtStart: number[] = [];
  const store = {
    kind: 'sqlite',
    ...(opts.logLanes ? { logLanes: opts.logLanes } : {}),
    async commitBatch(units: readonly Unit[]): Promise<UnitOutcome[]> {
      calls.push([...units]);
      inFlightAtStart.push(inFlight);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        const fail = opts.failBatch?.();
        if (fail) throw new Error(fail);
        const out: UnitOutcome[] = [];
        for (const u of units) {
          try {
            out.push({ ok: true, value: u.work ? await u.work({} as StoreTx) : undefined });
          } catch (error) {
            out.push({ ok: false, error });
          }
        }
        return out;
      } finally {
        inFlight--;
      }
    },
  } as unknown as Store;
  return { store, calls, maxInFlight: () => maxInFlight, inFlightAtStart };
}

/** Rejects if `p` has not settled in time: a wedged committer would otherwise hang the test forever. */
const within = <T>(p: Promise<T>, ms = 1000) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('the unit was never committed')), ms))]);

const unit = <T>(work?: () => Promise<T>): Unit<T> => ({ work: work && (() => work()), audit: [], access: [] });
const NOW = new Date('2026-03-01T10:00:00.000Z');

describe('the group committer', () => {
  it('units submitted in one event-loop turn share one commitBatch call, in submission order', async () => {
    const f = fakeStore();
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    const units = Array.from({ length: 25 }, (_, i) => unit(async () => i));
    const values = await Promise.all(units.map((u) => c.submit(u)));
    expect(values).toEqual(units.map((_, i) => i));
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0]).toEqual(units);
  });

  it('units of different turns go to different batches, and only one batch runs at a time', async () => {
    const f = fakeStore({ delayMs: 20 });
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    const first = [c.submit(unit(async () => 'a')), c.submit(unit(async () => 'b'))];
    await new Promise((r) => setTimeout(r, 5)); // the first batch is now running
    const second = [c.submit(unit(async () => 'c')), c.submit(unit(async () => 'd')), c.submit(unit(async () => 'e'))];
    expect(await Promise.all([...first, ...second])).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(f.calls.map((b) => b.length)).toEqual([2, 3]);
    expect(f.maxInFlight()).toBe(1);
  });

  it('a failing unit rejects alone with its own error; the others of its batch resolve', async () => {
    const f = fakeStore();
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    const boom = new Error('unit failed');
    const results = await Promise.allSettled([
      c.submit(unit(async () => 1)),
      c.submit(unit(async () => {
        throw boom;
      })),
      c.submit(unit(async () => 3)),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: 3 },
    ]);
    expect(f.calls).toHaveLength(1);
    expect(c.health()).toEqual({ ok: true, reason: null, since: null });
  });

  it('when the batch cannot commit every unit of it rejects with StoreUnavailableError and health says why and since when', async () => {
    let failing: string | null = 'SQLITE_FULL: database or disk is full';
    let clock = NOW;
    const f = fakeStore({ failBatch: () => failing });
    const c = createGroupCommitter({ store: f.store, now: () => clock });
    const results = await Promise.allSettled([c.submit(unit(async () => 1)), c.submit(unit())]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(StoreUnavailableError);
      expect(e.message).toContain('SQLITE_FULL: database or disk is full');
      expect(e.causeMessage).toBe('SQLITE_FULL: database or disk is full');
    }
    expect(c.health()).toEqual({ ok: false, reason: 'SQLITE_FULL: database or disk is full', since: NOW.toISOString() });

    // A second failure later keeps the time the outage began.
    clock = new Date(NOW.getTime() + 60_000);
    await expect(c.submit(unit())).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(c.health().since).toBe(NOW.toISOString());

    failing = null;
    await expect(c.submit(unit(async () => 'back'))).resolves.toBe('back');
    expect(c.health()).toEqual({ ok: true, reason: null, since: null });
  });

  it('a batch failing with a non-Error value still rejects every unit with StoreUnavailableError', async () => {
    const store = { commitBatch: async () => Promise.reject('plain string') } as unknown as Store;
    const c = createGroupCommitter({ store, now: () => NOW });
    await expect(c.submit(unit())).rejects.toThrow(/plain string/);
    expect(c.health().reason).toBe('plain string');
  });

  it('units submitted while a unit resolves are committed too (no lost wake-up)', async () => {
    const f = fakeStore({ delayMs: 2 });
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    const chain = c.submit(unit(async () => 1)).then((v) => c.submit(unit(async () => v + 1))).then((v) => c.submit(unit(async () => v + 1)));
    await expect(chain).resolves.toBe(3);
    expect(f.calls).toHaveLength(3);
  });

  it('drain resolves only when everything submitted so far is committed', async () => {
    const f = fakeStore({ delayMs: 10 });
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    const done: number[] = [];
    for (let i = 0; i < 5; i++) void c.submit(unit(async () => i)).then((v) => done.push(v));
    await c.drain();
    await Promise.resolve();
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
    await c.drain(); // idle: returns at once
  });

  it('a unit submitted from inside a batch is committed, and the committer keeps working afterwards', async () => {
    const f = fakeStore();
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    let inner: Promise<unknown> | null = null;
    await c.submit(unit(async () => {
      inner = c.submit(unit(async () => 'inner'));
    }));
    await expect(within(inner as unknown as Promise<unknown>)).resolves.toBe('inner');
    await new Promise((r) => setTimeout(r, 5));
    // Before the fix, the stale wake-up left `running` set forever: this unit never committed.
    await expect(within(c.submit(unit(async () => 'later')))).resolves.toBe('later');
    await within(c.drain());
  });

  it('a store whose commitBatch throws synchronously fails that batch only; the next one commits', async () => {
    let calls = 0;
    const store = {
      commitBatch(units: readonly Unit[]) {
        if (calls++ === 0) throw new Error('synchronous failure');
        return Promise.resolve(units.map(() => ({ ok: true, value: 'ok' })));
      },
    } as unknown as Store;
    const c = createGroupCommitter({ store, now: () => NOW });
    await expect(within(c.submit(unit()))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(within(c.submit(unit()))).resolves.toBe('ok');
    expect(c.health().ok).toBe(true);
  });

  it('with two log lanes (PostgreSQL), a batch of log-only units starts while another is in flight; never more than two', async () => {
    const f = fakeStore({ delayMs: 30, logLanes: 2 });
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    const first = c.submit(unit());
    await new Promise((r) => setTimeout(r, 5));
    const second = c.submit(unit());
    await new Promise((r) => setTimeout(r, 5));
    const third = [c.submit(unit()), c.submit(unit())];
    await within(Promise.all([first, second, ...third]));
    expect(f.calls.map((b) => b.length)).toEqual([1, 1, 2]);
    // The third waited for a lane: it started once the first batch was done, beside the second.
    expect(f.inFlightAtStart).toEqual([0, 1, 1]);
    expect(f.maxInFlight()).toBe(2);
  });

  it('with two log lanes, a unit with work never starts beside another batch: it waits, in order', async () => {
    const f = fakeStore({ delayMs: 30, logLanes: 2 });
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    const order: string[] = [];
    const first = c.submit(unit(async () => void order.push('first')));
    await new Promise((r) => setTimeout(r, 5));
    const write = c.submit(unit(async () => void order.push('write')));
    const read = c.submit(unit());
    await within(Promise.all([first, write, read]));
    expect(f.maxInFlight()).toBe(1);
    expect(f.calls.map((b) => b.length)).toEqual([1, 2]);
    expect(order).toEqual(['first', 'write']);
  });

  it('without log lanes (SQLite) only one batch is ever in flight', async () => {
    const f = fakeStore({ delayMs: 10 });
    const c = createGroupCommitter({ store: f.store, now: () => NOW });
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      all.push(c.submit(unit()));
      await new Promise((r) => setTimeout(r, 3));
    }
    await within(Promise.all(all));
    expect(f.maxInFlight()).toBe(1);
    expect(f.calls.length).toBeGreaterThan(1);
  });
});
