/**
 * Where a PostgreSQL node's commit time goes, counted by its committer (never timed in tests; read
 * by bench/postgres.ts). Totals since the store opened; a reader takes two snapshots and subtracts.
 */
export type WriterStats = {
  /** Batches committed */
  batches: number;
  /** Units in them (requests, mostly) */
  units: number;
  /** Log rows written (audit + access) */
  rows: number;
  /** Round trips to the database on the writer's connection */
  roundTrips: number;
  /** Sum of the time from sending the counters' lock to having it (waiting for another node's batch; numbered batches: from sending the message to the database's grant) */
  lockWaitMs: number;
  /**
   * Sum of the time the counters were held, by the database's clock: from the grant of the lock
   * (clock_timestamp() after it) to the end of COMMIT (clock_timestamp() in a statement sent after it)
   */
  lockHeldMs: number;
  /** Sum of the last round trip (pending writes + COMMIT, i.e. the WAL flush; for a batch ending in log-only units it carries their inserts too; a numbered batch's one message, lock wait included) */
  commitMs: number;
  /** Sum of the time in the log rows' and tree nodes' inserts sent on their own (COPY, or unnest with a savepoint's RELEASE; 0 when they travel with the COMMIT); the rest of the hold is the runner's own work (numbering, hashing, the tree) */
  insertMs: number;
  /**
   * Batches whose one-message commit (log-only tail: inserts, tree, counters, COMMIT; or a numbered
   * batch) failed on a row and were replayed unit by unit (in the same transaction, or in a new one)
   */
  replays: number;
  /** Largest batch in units */
  maxUnits: number;
};

export const newWriterStats = (): WriterStats => ({ batches: 0, units: 0, rows: 0, roundTrips: 0, lockWaitMs: 0, lockHeldMs: 0, commitMs: 0, insertMs: 0, replays: 0, maxUnits: 0 });

export function recordBatch(s: WriterStats, b: { units: number; trips: number; lockWaitMs: number; lockHeldMs: number; commitMs: number; insertMs: number; rows: number; replays: number }): void {
  s.batches++;
  s.units += b.units;
  s.rows += b.rows;
  s.roundTrips += b.trips;
  s.lockWaitMs += b.lockWaitMs;
  s.lockHeldMs += b.lockHeldMs;
  s.commitMs += b.commitMs;
  s.insertMs += b.insertMs;
  s.replays += b.replays;
  s.maxUnits = Math.max(s.maxUnits, b.units);
}
