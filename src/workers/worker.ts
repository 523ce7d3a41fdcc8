/** What a worker reports about itself (listed by /readyz). */
export interface WorkerHealth {
  readonly ok: boolean;
  /** The last run's failure, while no run has succeeded since */
  readonly lastError: string | null;
  readonly lastRunAt: string | null;
  readonly lastSuccessAt: string | null;
}

/**
 * Background work of one server node (retention and checkpoints today; stream delivery, lease expiry
 * next). A worker acts through the same services as the HTTP routes, with a System operation context.
 */
export interface Worker {
  readonly name: string;
  /** Starts the work; resolves once it is scheduled (not when a first run ends). */
  start(): Promise<void>;
  /** Stops scheduling and resolves once the run in progress (if any) has finished. */
  stop(): Promise<void>;
  health(): WorkerHealth;
}

/**
 * A worker that runs `run` now and then every `intervalMs`. A failed run is reported (onError and
 * health) and retried at the next tick; it never stops the schedule or the server.
 */
export function intervalWorker(opts: {
  readonly name: string;
  readonly intervalMs: number;
  readonly run: () => Promise<unknown>;
  readonly now: () => Date;
  readonly onError: (e: unknown) => void;
}): Worker {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<unknown> = Promise.resolve();
  let health: WorkerHealth = { ok: true, lastError: null, lastRunAt: null, lastSuccessAt: null };
  const tick = () => {
    if (stopped) return;
    const at = opts.now().toISOString();
    current = opts.run().then(
      () => (health = { ok: true, lastError: null, lastRunAt: at, lastSuccessAt: at }),
      (e: unknown) => {
        health = { ...health, ok: false, lastError: e instanceof Error ? e.message : String(e), lastRunAt: at };
        opts.onError(e);
      },
    );
  };
  return {
    name: opts.name,
    async start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, opts.intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await current;
    },
    health: () => health,
  };
}
