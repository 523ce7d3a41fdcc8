import type { Worker, WorkerHealth } from '../workers/worker.js';
import { StreamLoop, type DeliveryDeps, type StreamLoopState } from './delivery.js';

export interface DeliveryWorker extends Worker {
  /** Every stream's loop state on this node, by name */
  streams(): Readonly<Record<string, StreamLoopState>>;
}

/**
 * The `streams` worker: one delivery loop per stream (delivery.ts), started as streams appear and
 * stopped as they go. Its own health is about finding the streams; a stream's trouble is the
 * stream's (listed as degraded by /readyz), never the node's.
 */
export function createDeliveryWorker(deps: DeliveryDeps): DeliveryWorker {
  const loops = new Map<string, StreamLoop>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  let syncing: Promise<void> = Promise.resolve();
  let health: WorkerHealth = { ok: true, lastError: null, lastRunAt: null, lastSuccessAt: null };

  async function sync(): Promise<void> {
    const at = deps.clock().toISOString();
    try {
      const rows = await deps.store.streams.list();
      const ids = new Set(rows.map((r) => r.id));
      for (const [id, loop] of loops) {
        if (!ids.has(id) || loop.finished) {
          loops.delete(id);
          await loop.stop();
        }
      }
      for (const r of rows) {
        if (stopped || loops.has(r.id)) continue;
        const loop = new StreamLoop(deps, r.id, r.name);
        loops.set(r.id, loop);
        loop.start();
      }
      health = { ok: true, lastError: null, lastRunAt: at, lastSuccessAt: at };
    } catch (e) {
      health = { ...health, ok: false, lastError: e instanceof Error ? e.message : String(e), lastRunAt: at };
    }
  }
  const resync = () => {
    if (!stopped) syncing = syncing.then(sync);
    return syncing;
  };

  return {
    name: 'streams',
    async start() {
      if (timer) return;
      unsubscribe = deps.runtime.onWake((id) => {
        if (id === undefined) {
          for (const l of loops.values()) l.wake();
        } else loops.get(id)?.wake();
        void resync();
      });
      await resync();
      timer = setInterval(() => void resync(), Math.max(1000, deps.config.pollMs * 4));
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      unsubscribe?.();
      await syncing;
      await Promise.all([...loops.values()].map((l) => l.stop()));
      loops.clear();
    },
    health: () => health,
    streams: () => Object.fromEntries([...loops.values()].map((l) => [l.name, l.state])),
  };
}
