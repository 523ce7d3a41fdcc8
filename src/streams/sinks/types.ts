import type { SinkConfig, SinkKind } from '../../contract/streams.js';
import type { OutRecord } from '../formatters/types.js';

/**
 * A sink's answer that a batch was not accepted. `permanent`: resending the same batch cannot succeed
 * (bad credentials, a refused well-formed batch): the stream is marked failing. Otherwise the batch
 * is retried with backoff, after `retryAfterMs` when the sink said when (Retry-After).
 */
export class SinkError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'SinkError';
  }
}

/** Where records go. One instance per stream (it may keep a connection, a channel or a token). */
export interface Sink {
  /** Most records in one send (the sink's documented batch limit) */
  readonly maxRecords: number;
  /** Most bytes (uncompressed, approximately) in one send */
  readonly maxBytes: number;
  /**
   * Resolves once the sink accepted every record (HTTP success answer, indexer acknowledgement,
   * JetStream publish acknowledgement, bytes written to the syslog connection); rejects with
   * SinkError otherwise. Must give up when `signal` aborts.
   */
  send(records: readonly OutRecord[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface SinkDeps {
  readonly stream: { readonly id: string; readonly name: string };
  /** This node's host name, as SIEMs show the sender */
  readonly hostname: string;
  readonly fetch: typeof fetch;
}

export type SinkFactory<K extends SinkKind> = (config: SinkConfig<K>, deps: SinkDeps) => Sink;

/** A message that is safe to store and show: one line, bounded, never a credential (sinks pass answers, not requests). */
export function oneLine(s: string, max = 300): string {
  const t = s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
