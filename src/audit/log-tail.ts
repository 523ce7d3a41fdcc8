import type { LogFilterBase } from '../store/types.js';

/** Most seqs one read of the tail covers: bounds the rows held at once when a burst arrives. */
export const TAIL_WINDOW = 2000;

/**
 * The live tail of a log: entries matching `filter` committed after `after`, oldest first, as they
 * commit. Reads by seq only up to the log's high-water mark, which counts committed rows only (the
 * seq is assigned under the writer's lock and committed in that order), so nothing is delivered
 * before it is committed, and a row committing later always has a higher seq: nothing is skipped.
 * Ends when `stopped()` says so (the client left, the server shuts down).
 */
export async function* tailLog<F extends LogFilterBase, E extends { seq: number }>(deps: {
  readonly query: (filter: F, limit: number) => Promise<E[]>;
  readonly lastSeq: () => Promise<number>;
  readonly filter: F;
  readonly after: number;
  /** Waits between polls; resolves early when the tail should stop */
  readonly wait: () => Promise<void>;
  readonly stopped: () => boolean;
}): AsyncGenerator<{ readonly entries: readonly E[]; readonly through: number }> {
  let cursor = deps.after;
  while (!deps.stopped()) {
    const high = await deps.lastSeq();
    if (high <= cursor) {
      yield { entries: [], through: cursor };
      await deps.wait();
      continue;
    }
    const through = Math.min(high, cursor + TAIL_WINDOW);
    // Newest first within the window (the page query's order), so reversed; the window holds at most
    // TAIL_WINDOW seqs, so one read with that limit sees every match in it.
    const rows = await deps.query({ ...deps.filter, afterSeq: cursor, beforeSeq: through + 1 }, TAIL_WINDOW);
    rows.reverse();
    cursor = through;
    yield { entries: rows, through };
  }
}
