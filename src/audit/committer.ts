import type { Store, Unit } from '../store/types.js';

/** Thrown to every unit of a batch whose transaction could not be made durable. */
export class StoreUnavailableError extends Error {
  constructor(readonly causeMessage: string) {
    super(`the audit store cannot record this operation: ${causeMessage}`);
    this.name = 'StoreUnavailableError';
  }
}

export interface CommitterHealth {
  readonly ok: boolean;
  /** Why the last batch failed, while no batch has succeeded since */
  readonly reason: string | null;
  readonly since: string | null;
}

export interface GroupCommitter {
  /** Queues a unit for the next batch and resolves with its work's value once the batch is durable. */
  submit<T>(unit: Unit<T>): Promise<T>;
  health(): CommitterHealth;
  /** Resolves when everything submitted so far is committed (or failed). */
  drain(): Promise<void>;
}

interface Pending {
  readonly unit: Unit;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit: every unit submitted during one event-loop turn shares one transaction and one
 * fsync. One batch runs at a time; units arriving meanwhile form the next batch, except those that
 * arrive while a batch with work waits for the seq lock (PostgreSQL, another node's batch holding
 * it): the store takes them into the waiting batch once it has the lock (Store.commitBatch's `more`).
 * On a store with log lanes (PostgreSQL: Store.logLanes = 2) a batch of log-only units may start
 * while another is in flight, up to logLanes at once; a unit with work always waits until no batch
 * is in flight, so writes still commit one batch at a time.
 */
export function createGroupCommitter(deps: { store: Store; now: () => Date }): GroupCommitter {
  const { store, now } = deps;
  const lanes = Math.max(1, store.logLanes ?? 1);
  let queue: Pending[] = [];
  let scheduled = false;
  const running = new Set<Promise<void>>();
  let health: CommitterHealth = { ok: true, reason: null, since: null };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  };

  /**
   * Starts batches: one at a time, or (a store with log lanes, i.e. PostgreSQL) a further batch of
   * log-only units while others are in flight, so the node's next batch waits at the database's
   * lock instead of for the previous batch's reply.
   */
  function pump(): void {
    while (queue.length > 0 && running.size < lanes) {
      if (running.size > 0 && queue.some((p) => p.unit.work)) return;
      const batch = queue;
      queue = [];
      const run: Promise<void> = commit(batch).finally(() => {
        running.delete(run);
        if (queue.length > 0) schedule();
      });
      running.add(run);
    }
  }

  async function commit(batch: Pending[]): Promise<void> {
    // Units submitted while the batch waits for the seq lock join it (Store.commitBatch's `more`).
    const more = () => {
      const late = queue;
      queue = [];
      batch.push(...late);
      return late.map((p) => p.unit);
    };
    try {
      const outcomes = await store.commitBatch(
        batch.map((p) => p.unit),
        more,
      );
      health = { ok: true, reason: null, since: null };
      outcomes.forEach((o, i) => {
        const p = batch[i] as Pending;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (health.ok) health = { ok: false, reason: message, since: now().toISOString() };
      const e = new StoreUnavailableError(message);
      for (const p of batch) p.reject(e);
    }
  }

  return {
    submit<T>(unit: Unit<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ unit: unit as Unit, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    health: () => health,
    async drain() {
      while (queue.length > 0 || running.size > 0 || scheduled) {
        if (running.size > 0) await Promise.all([...running]);
        else await new Promise((r) => setImmediate(r));
      }
    },
  };
}
