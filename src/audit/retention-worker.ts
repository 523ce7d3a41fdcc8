import type { Clock } from '../kernel/clock.js';
import { intervalWorker, type Worker } from '../workers/worker.js';
import type { RetentionService } from './retention.js';

/** Retention as a worker: a purge at start, then every `intervalMs`. */
export function createRetentionWorker(deps: { readonly retention: RetentionService; readonly clock: Clock; readonly intervalMs: number; readonly onError: (e: unknown) => void }): Worker {
  return intervalWorker({ name: 'retention', intervalMs: deps.intervalMs, run: () => deps.retention.purge(), now: deps.clock, onError: deps.onError });
}
