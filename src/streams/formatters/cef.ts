import type { AuditEntry } from '../../contract/entries.js';
import { EVENT_CATALOG } from '../../contract/events.js';
import { heartbeatRecord, PRODUCT, type Formatter } from './types.js';

/** CEF header fields escape `\` and `|`; newlines would end the record, so they become spaces. */
const header = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
/** CEF extension values escape `\` and `=`, and carry newlines as \n / \r. */
const ext = (s: string) => s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');

function extensions(pairs: readonly (readonly [string, string | number | null | undefined])[]): string {
  return pairs
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${ext(String(v))}`)
    .join(' ');
}

/** Severity 0-10: a refusal stands out (7), a success is low (3). */
export function cefLine(e: AuditEntry): string {
  const sev = e.outcome === 'Denied' ? 7 : 3;
  const head = ['CEF:0', PRODUCT.vendor, PRODUCT.name, PRODUCT.version, e.event, EVENT_CATALOG[e.event].description, String(sev)].map(header).join('|');
  return `${head}|${extensions([
    ['rt', Date.parse(e.timestamp)],
    ['externalId', e.id],
    ['cn1', e.seq],
    ['cn1Label', 'seq'],
    ['act', e.event],
    ['outcome', e.outcome],
    ['reason', e.reason],
    ['suser', e.actor.email ?? e.actor.name],
    ['suid', e.actor.id],
    ['cs5', e.actor.type],
    ['cs5Label', 'actorType'],
    ['src', e.actor.ip],
    ['requestClientApplication', e.userAgent],
    ['cs1', e.projectSlug],
    ['cs1Label', 'project'],
    ['cs2', e.environmentSlug],
    ['cs2Label', 'environment'],
    ['cs3', e.resource],
    ['cs3Label', 'resource'],
    ['cs4', e.requestId],
    ['cs4Label', 'requestId'],
  ])}`;
}

/** ArcSight Common Event Format, one line per entry (the usual payload of syslog). */
export const cefFormatter: Formatter = {
  entry: (e) => ({ kind: 'entry', seq: e.seq, time: Date.parse(e.timestamp), event: e.event, outcome: e.outcome, body: cefLine(e), entry: e }),
  heartbeat: (h) =>
    heartbeatRecord(
      h,
      `${['CEF:0', PRODUCT.vendor, PRODUCT.name, PRODUCT.version, 'Heartbeat', 'Stream heartbeat', '0'].map(header).join('|')}|${extensions([
        ['rt', h.at.getTime()],
        ['cn1', h.lastSeq],
        ['cn1Label', 'lastSeq'],
        ['cs1', h.stream],
        ['cs1Label', 'stream'],
      ])}`,
    ),
};
