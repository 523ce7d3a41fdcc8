import type { Worker, WorkerHealth } from './worker.js';

/** Starts and stops a node's workers together; /readyz reads their health from here. */
export interface Supervisor {
  start(): Promise<void>;
  /** Stops every worker (in reverse start order), waiting for runs in progress. */
  stop(): Promise<void>;
  health(): Record<string, WorkerHealth>;
}

export function createSupervisor(workers: readonly Worker[]): Supervisor {
  const names = new Set<string>();
  for (const w of workers) {
    if (names.has(w.name)) throw new Error(`two workers are named ${w.name}`);
    names.add(w.name);
  }
  return {
    async start() {
      for (const w of workers) await w.start();
    },
    async stop() {
      for (const w of [...workers].reverse()) await w.stop();
    },
    health: () => Object.fromEntries(workers.map((w) => [w.name, w.health()])),
  };
}
