import { z } from 'zod';
import { auditQuerySchema } from '../contract/log-query.js';
import type { HistogramBucket, HistogramResponse } from '../contract/api.js';
import type { Store } from '../store/ports.js';
import type { AuditFilter, HistogramCount } from '../store/types.js';

/**
 * GET /api/v1/audit-logs/histogram: Success and Denied counts over time for the Audit Logs page's
 * chart, with the list's filters. The store answers one grouped query (see store/histogram-sql.ts),
 * so the cost is one index range scan, never a row transfer, however many rows match.
 */
export type { HistogramBucket, HistogramCount, HistogramResponse };

/** The Store methods the histogram needs. */
export type AuditHistogramSource = Pick<Store['auditLog'], 'histogram' | 'oldest'>;

export const DEFAULT_BUCKETS = 60;
export const MAX_BUCKETS = 500;

/** Bucket sizes people read easily; the smallest that fits the range into the requested count wins. */
const NICE_BUCKETS_MS = [
  1e3, 5e3, 10e3, 30e3, 60e3, 5 * 60e3, 10 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3,
  7 * 86400e3, 30 * 86400e3,
] as const;

export function chooseBucketMs(rangeMs: number, buckets: number): number {
  const want = Math.max(rangeMs, 1) / Math.max(buckets, 1);
  return NICE_BUCKETS_MS.find((b) => b >= want) ?? Math.ceil(want / 86400e3) * 86400e3;
}

/** Lays the range on epoch-aligned buckets and fills the ones the store did not mention with zeros. */
export async function computeHistogram(
  source: AuditHistogramSource,
  filter: AuditFilter,
  opts: { readonly buckets: number; readonly now: Date },
): Promise<HistogramResponse> {
  const toMs = filter.until ? Date.parse(filter.until) : opts.now.getTime();
  let fromMs: number;
  if (filter.since) fromMs = Date.parse(filter.since);
  else {
    const oldest = await source.oldest(filter);
    fromMs = oldest ? Date.parse(oldest) : toMs - 3600e3;
  }
  if (fromMs >= toMs) fromMs = toMs - 1;
  const bucketMs = chooseBucketMs(toMs - fromMs, opts.buckets);
  // Aligned starts make bars comparable across reloads; the first bucket may start before `since`,
  // but the counts still honour the filter's since (the store query uses the exact bounds).
  const start = Math.floor(fromMs / bucketMs) * bucketMs;
  const n = Math.max(1, Math.ceil((toMs - start) / bucketMs));
  const from = new Date(start).toISOString();
  const to = new Date(toMs).toISOString();
  const rows = await source.histogram({ ...filter, since: filter.since ?? from, until: to }, bucketMs, from);
  const buckets: HistogramBucket[] = Array.from({ length: n }, (_, i) => ({ start: new Date(start + i * bucketMs).toISOString(), success: 0, denied: 0 }));
  for (const r of rows) {
    const b = buckets[r.bucket] as { success: number; denied: number } | undefined;
    if (!b) continue;
    if (r.outcome === 'Denied') b.denied += r.count;
    else b.success += r.count;
  }
  return { bucketMs, from, to, buckets };
}

export const histogramQuerySchema = auditQuerySchema
  .omit({ cursor: true, limit: true })
  .extend({
    buckets: z.coerce
      .number({ message: `must be an integer from 1 to ${MAX_BUCKETS}` })
      .int(`must be an integer from 1 to ${MAX_BUCKETS}`)
      .min(1, `must be an integer from 1 to ${MAX_BUCKETS}`)
      .max(MAX_BUCKETS, `must be an integer from 1 to ${MAX_BUCKETS}`)
      .default(DEFAULT_BUCKETS),
  })
  .strict();
export type HistogramQuery = z.infer<typeof histogramQuerySchema>;
