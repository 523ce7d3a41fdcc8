import type { AuditEntry } from '../../contract/entries.js';

/** One record ready for a sink: an entry (or a heartbeat) in the stream's format. */
export interface OutRecord {
  readonly kind: 'entry' | 'heartbeat';
  /** The entry's seq; for a heartbeat, the last seq the stream has processed */
  readonly seq: number;
  /** Epoch milliseconds of the entry (of the heartbeat) */
  readonly time: number;
  /** The event type, or `Heartbeat` */
  readonly event: string;
  readonly outcome: 'Success' | 'Denied' | null;
  /** The formatted record: a JSON object (json, ocsf) or a line of text (cef) */
  readonly body: Readonly<Record<string, unknown>> | string;
  /** The entry itself, for sinks that add fields of their own (syslog structured data) */
  readonly entry: AuditEntry | null;
}

export interface HeartbeatInfo {
  readonly stream: string;
  /** The seq of the last entry the stream processed */
  readonly lastSeq: number;
  readonly at: Date;
}

/** Turns an Audit Log entry (and a heartbeat) into a record of one format. */
export interface Formatter {
  entry(e: AuditEntry): OutRecord;
  heartbeat(h: HeartbeatInfo): OutRecord;
}

/** The product as SIEMs see it. */
export const PRODUCT = { vendor: 'Bella Baxter', name: 'Bella Baxter', version: '0.1.0' } as const;

/** The native heartbeat object (json and ocsf): a SIEM alerts when none arrives for a while. */
export function heartbeatObject(h: HeartbeatInfo): Record<string, unknown> {
  return { type: 'heartbeat', stream: h.stream, lastSeq: h.lastSeq, timestamp: h.at.toISOString() };
}

export function heartbeatRecord(h: HeartbeatInfo, body: OutRecord['body']): OutRecord {
  return { kind: 'heartbeat', seq: h.lastSeq, time: h.at.getTime(), event: 'Heartbeat', outcome: null, body, entry: null };
}
