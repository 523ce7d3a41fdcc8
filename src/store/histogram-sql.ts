import { auditWhere, type Dialect } from './log-sql.js';
import type { AuditFilter } from './types.js';

/**
 * SQL of Store.histogramAudit and Store.oldestAudit for both adapters, so the chart and the table
 * share one filter semantics (auditWhere).
 */

/** Milliseconds since the epoch of the `ts` column, as an exact integer (no float drift at bucket edges). */
export const SQLITE_TS_EPOCH_MS = "CAST(ROUND(unixepoch(ts, 'subsec') * 1000) AS INTEGER)";
/** For a timestamptz `ts` column (use `ts::timestamptz` inside if the column is text). */
export const POSTGRES_TS_EPOCH_MS = 'CAST(floor(extract(epoch FROM ts) * 1000) AS BIGINT)';

export interface Statement {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * One grouped pass over the matching rows: bucket index and outcome with their counts. The caller's
 * filter must carry the range as since/until (computeHistogram does), so the ts index bounds it.
 * Rows: { bucket: number, outcome: 'Success' | 'Denied', count: number } (pg returns count as text).
 */
export function auditHistogramSql(filter: AuditFilter, d: Dialect, epochMs: string, bucketMs: number, from: string): Statement {
  const w = auditWhere(filter, d);
  // Inlined as integer literals, not placeholders: they precede the WHERE clause in the text, and
  // SQLite's positional ? would bind them out of order. Both are integers the server computed.
  const fromMs = Math.trunc(Date.parse(from));
  const size = Math.trunc(bucketMs);
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(size) || size < 1) throw new RangeError('histogram bounds must be integers');
  return {
    sql: `SELECT (${epochMs} - ${fromMs}) / ${size} AS bucket, outcome, COUNT(*) AS count FROM audit_log ${w.sql} GROUP BY 1, 2`,
    params: w.params,
  };
}

/** The oldest matching timestamp: MIN over the ts index, which stops at the first matching row. */
export function oldestAuditSql(filter: AuditFilter, d: Dialect): Statement {
  const w = auditWhere(filter, d);
  return { sql: `SELECT MIN(ts) AS oldest FROM audit_log ${w.sql}`, params: w.params };
}
