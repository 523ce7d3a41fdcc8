import type { AccessEntry, AuditEntry } from '../../contract/entries.js';
import type { Outcome } from '../../contract/events.js';
import { auditHistogramSql, oldestAuditSql } from '../histogram-sql.js';
import { accessPageSql, auditPageSql, type WhereClause } from '../log-sql.js';
import type { AccessLogPort, AuditLogPort, LogPort } from '../ports.js';
import { accessFromRow, auditFromRow } from '../rows.js';
import type { AccessFilter, AuditFilter } from '../types.js';
import type { Row, SqlDb, SqlDialect } from './db.js';

type Purge = (olderThan: string, batchSize: number) => Promise<number>;
/** The adapter's counter of the highest seq ever committed for a log (survives purges). */
export type HighWater = (log: 'audit' | 'access') => Promise<number>;
const RANGE_PAGE = 1000;

/**
 * Reading a log in commit order. seq is assigned under the writer's lock and committed in that order
 * (SQLite: one writer; PostgreSQL: the log_seq row lock is held until COMMIT), so a row is visible
 * only once every lower seq is: `seq > after` never skips a row that commits later.
 */
function commitOrder<F, E extends { readonly seq: number }>(
  db: SqlDb, log: 'audit' | 'access', map: (r: Row) => E, page: (f: F, limit: number) => WhereClause, purge: Purge, highWater: HighWater,
): LogPort<F, E> {
  const table = `${log}_log`;
  const readAfter = async (afterSeq: number, limit: number): Promise<E[]> =>
    (await db.all(`SELECT * FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?`, [Math.trunc(afterSeq), Math.trunc(limit)])).map(map);
  return {
    query: async (filter, limit) => {
      const q = page(filter, limit);
      return (await db.all(q.sql, q.params)).map(map);
    },
    readAfter,
    async *range(afterSeq, throughSeq, pageSize = RANGE_PAGE) {
      let cursor = afterSeq;
      for (;;) {
        const rows = await readAfter(cursor, pageSize);
        for (const e of rows) {
          if (throughSeq !== undefined && e.seq > throughSeq) return;
          yield e;
          cursor = e.seq;
        }
        if (rows.length < pageSize || (throughSeq !== undefined && cursor >= throughSeq)) return;
      }
    },
    lastSeq: () => highWater(log),
    purge,
  };
}

export function auditLogPort(db: SqlDb, d: SqlDialect, purge: Purge, highWater: HighWater): AuditLogPort {
  return {
    ...commitOrder<AuditFilter, AuditEntry>(db, 'audit', auditFromRow, (f, n) => auditPageSql(f, d, n), purge, highWater),
    async histogram(filter, bucketMs, from) {
      const st = auditHistogramSql(filter, d, d.tsEpochMs, bucketMs, from);
      return (await db.all(st.sql, st.params)).map((x) => ({ bucket: Number(x.bucket), outcome: x.outcome as Outcome, count: Number(x.count) }));
    },
    async oldest(filter) {
      const st = oldestAuditSql(filter, d);
      const v = (await db.one(st.sql, st.params))?.oldest;
      return v === null || v === undefined ? null : new Date(v as string | Date).toISOString();
    },
  };
}

export function accessLogPort(db: SqlDb, d: SqlDialect, purge: Purge, highWater: HighWater): AccessLogPort {
  return commitOrder<AccessFilter, AccessEntry>(db, 'access', accessFromRow, (f, n) => accessPageSql(f, d, n), purge, highWater);
}
