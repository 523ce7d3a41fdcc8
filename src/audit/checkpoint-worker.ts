import type { Clock } from '../kernel/clock.js';
import { intervalWorker, type Worker } from '../workers/worker.js';
import type { IntegrityService } from './integrity-service.js';

/** Checkpoints as a worker: one at start, then every `intervalMs` (signed only when the log grew). */
export function createCheckpointWorker(deps: { readonly integrity: Pick<IntegrityService, 'sign'>; readonly clock: Clock; readonly intervalMs: number; readonly onError: (e: unknown) => void }): Worker {
  return intervalWorker({ name: 'checkpoints', intervalMs: deps.intervalMs, run: () => deps.integrity.sign(), now: deps.clock, onError: deps.onError });
}
