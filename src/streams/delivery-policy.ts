import type { OutRecord } from './formatters/index.js';
import type { Sink } from './sinks/index.js';

/** Delivery tuning (config.ts reads it from BELLA_STREAM_*). */
export interface DeliveryConfig {
  /** Pause between looks at the log when a stream is caught up */
  readonly pollMs: number;
  /** Longest a sink may take to accept one batch; a slower (or hanging) sink's batch is retried */
  readonly timeoutMs: number;
  /** Ceiling of the exponential backoff between retries of one batch */
  readonly maxBackoffMs: number;
  /** How often a failing stream tries its batch again (a sink fixed on its side is noticed) */
  readonly failingRetryMs: number;
}

export const DELIVERY_DEFAULTS: DeliveryConfig = Object.freeze({ pollMs: 250, timeoutMs: 10_000, maxBackoffMs: 60_000, failingRetryMs: 60_000 });

/** Entries read from the log per look; with the sink's batch limits this bounds a stream's memory. */
export const READ_BATCH = 1000;
const BACKOFF_BASE_MS = 250;

/** How long a node holds a stream's delivery lease; renewed at half. Longer than any one send. */
export const leaseMs = (config: DeliveryConfig) => Math.max(30_000, 3 * config.timeoutMs);

/** Exponential backoff with full jitter: a random wait up to base·2^(attempt-1), capped. */
export function backoffMs(attempt: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, BACKOFF_BASE_MS * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.max(50, Math.floor(random() * ceiling));
}

/** Splits records into sends that respect the sink's limits (count and approximate bytes). */
export function firstChunk(records: readonly OutRecord[], sink: Pick<Sink, 'maxRecords' | 'maxBytes'>): OutRecord[] {
  const out: OutRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = (typeof r.body === 'string' ? r.body.length : JSON.stringify(r.body).length) + 256;
    if (out.length > 0 && (out.length >= sink.maxRecords || bytes + size > sink.maxBytes)) break;
    out.push(r);
    bytes += size;
  }
  return out;
}

