import type { Clock } from '../kernel/clock.js';
import { intervalWorker, type Worker } from '../workers/worker.js';
import type { IntegrityService } from './integrity-service.js';

/**
 * Checkpoints as a worker: every `intervalMs`, a checkpoint is signed when the log grew. The tick at
 * start signs nothing: a start is busy enough (migrations, bootstrap) and a write there would
 * compete with whoever starts the server; the first checkpoint comes one interval later (or on
 * demand, or with the first proof asked for).
 */
export function createCheckpointWorker(deps: { readonly integrity: Pick<IntegrityService, 'sign'>; readonly clock: Clock; readonly intervalMs: number; readonly onError: (e: unknown) => void }): Worker {
  let ticks = 0;
  return intervalWorker({
    name: 'checkpoints',
    intervalMs: deps.intervalMs,
    run: async () => (ticks++ === 0 ? null : deps.integrity.sign()),
    now: deps.clock,
    onError: deps.onError,
  });
}
