/** What a stream's delivery loop knows that is not stored: retries in progress, rate, heartbeats. */
export interface StreamRuntimeStatus {
  /** Consecutive failed attempts of the current batch */
  readonly retrying: number;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  readonly lastHeartbeatAt: string | null;
  readonly ratePerMinute: number;
}

/**
 * Shared by the stream service (health views, waking a stream after a change) and the delivery worker
 * (which publishes each loop's status here). In-memory, per node.
 */
export interface StreamRuntime {
  status(id: string): StreamRuntimeStatus | null;
  publish(id: string, status: StreamRuntimeStatus | null): void;
  /** Asks the delivery loop of a stream (or every loop) to look again now instead of after its pause */
  wake(id?: string): void;
  onWake(listener: (id: string | undefined) => void): () => void;
}

export function createStreamRuntime(): StreamRuntime {
  const statuses = new Map<string, StreamRuntimeStatus>();
  const listeners = new Set<(id: string | undefined) => void>();
  return {
    status: (id) => statuses.get(id) ?? null,
    publish(id, s) {
      if (s === null) statuses.delete(id);
      else statuses.set(id, s);
    },
    wake(id) {
      for (const l of listeners) l(id);
    },
    onWake(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}
