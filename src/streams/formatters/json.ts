import type { Formatter } from './types.js';
import { heartbeatObject, heartbeatRecord } from './types.js';

/** Native JSON: the entry exactly as the HTTP API returns it (seq included, so a SIEM can see gaps). */
export const jsonFormatter: Formatter = {
  entry: (e) => ({ kind: 'entry', seq: e.seq, time: Date.parse(e.timestamp), event: e.event, outcome: e.outcome, body: e as unknown as Readonly<Record<string, unknown>>, entry: e }),
  heartbeat: (h) => heartbeatRecord(h, heartbeatObject(h)),
};
