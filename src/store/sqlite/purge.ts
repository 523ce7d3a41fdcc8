import type Database from 'better-sqlite3';
import type { SerialLock } from '../serial-lock.js';

/** How long one purge slice may hold the writer (ms): short enough not to stall commits behind it. */
const PURGE_SLICE_MS = 5;

/**
 * Retention on SQLite: deletes expired rows in short write transactions, each holding the writer for
 * about PURGE_SLICE_MS, then pauses at least as long as the slice took, so requests' commits
 * interleave and reads never wait long behind a purge.
 */
export function purgeSqliteLog(
  writer: Database.Database,
  lock: SerialLock,
  table: 'audit_log' | 'access_log',
  checkFile: () => void,
  /** Starts flushing the slice's commit (wal-flush.ts), awaited once the writer is free again */
  durable: () => Promise<void>,
) {
  let del: Database.Statement | null = null;
  return async (olderThan: string, batchSize: number): Promise<number> => {
    del ??= writer.prepare(`DELETE FROM ${table} WHERE seq IN (SELECT seq FROM ${table} WHERE ts < ? ORDER BY seq LIMIT ?)`);
    const stmt = del;
    let total = 0;
    let size = Math.max(1, Math.min(batchSize, 100));
    for (;;) {
      const started = process.hrtime.bigint();
      const { n, flushed } = await lock.run(async () => {
        checkFile();
        const changes = stmt.run(olderThan, size).changes;
        return { n: changes, flushed: durable() };
      });
      await flushed;
      const tookMs = Number(process.hrtime.bigint() - started) / 1e6;
      total += n;
      if (n < size) return total;
      // Grow or shrink the slice toward the time budget, never above the caller's batch size.
      size = Math.max(1, Math.min(batchSize, Math.round((size * PURGE_SLICE_MS) / Math.max(tookMs, 0.1))));
      await new Promise((res) => setTimeout(res, Math.max(1, Math.ceil(tookMs))));
    }
  };
}
