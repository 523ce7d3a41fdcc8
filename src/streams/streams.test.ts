import { describe, expect, it } from 'vitest';
import { auditEntry } from '../../test/helpers/audit-entry.js';
import { EVENT_TYPES } from '../contract/events.js';
import { backoffMs, firstChunk } from './delivery.js';
import { streamMatches } from './filter.js';
import { cefLine } from './formatters/cef.js';
import { FORMATTERS } from './formatters/index.js';
import { OCSF_MAPPING, ocsfEvent } from './formatters/ocsf.js';
import { retryAfterMs } from './sinks/http.js';
import { octetFrame, syslogMessage } from './sinks/syslog.js';

const entry = auditEntry;

describe('OCSF', () => {
  it('maps every event type to Authentication, Account Change or API Activity with a named activity and type_uid = class × 100 + activity', () => {
    for (const ev of EVENT_TYPES) {
      const o = ocsfEvent(entry({ event: ev }));
      const [cls, act] = OCSF_MAPPING[ev];
      expect([3001, 3002, 6003]).toContain(cls);
      expect(o).toMatchObject({ class_uid: cls, activity_id: act, type_uid: cls * 100 + act, time: Date.parse('2026-12-04T10:00:00.123Z'), metadata: { sequence: 42, version: '1.6.0' } });
      expect(o.activity_name).not.toBe(undefined);
      if (cls !== 6003) expect(o.user).toBeDefined();
    }
  });

  it('a failed login is Authentication/Logon with status Failure and the reason; a secret read is API Activity/Read with the resource', () => {
    expect(ocsfEvent(entry({ event: 'UserLoginFailed', outcome: 'Denied', reason: 'wrong_password' }))).toMatchObject({
      class_uid: 3002, category_uid: 3, activity_id: 1, type_uid: 300201, status_id: 2, status: 'Failure', status_detail: 'wrong_password', severity_id: 3,
      user: { email_addr: 'alice@example.com' },
    });
    expect(ocsfEvent(entry())).toMatchObject({
      class_uid: 6003, category_uid: 6, activity_id: 2, status_id: 1, api: { operation: 'SecretRead', request: { uid: 'req-1' } },
      resources: [{ name: 'DB_URL', namespace: 'my-api', group: { name: 'production' } }], src_endpoint: { ip: '10.0.0.7' },
      unmapped: { projectSlug: 'my-api', environmentSlug: 'production', details: { version: 3 } },
    });
    expect(ocsfEvent(entry({ event: 'ApiKeyRevoked', resource: 'key-123' }))).toMatchObject({ class_uid: 3001, activity_id: 5, user: { name: 'key-123' } });
  });
});

describe('CEF', () => {
  it('escapes header pipes and backslashes, extension equals signs, backslashes and newlines; carries seq as cn1', () => {
    const line = cefLine(entry({ resource: 'a=b\\c\nd', userAgent: 'x|y', outcome: 'Denied', reason: 'insufficient_role' }));
    expect(line.startsWith('CEF:0|Bella Baxter|Bella Baxter|0.1.0|SecretRead|A secret value was read|7|')).toBe(true);
    expect(line).toContain('cn1=42 cn1Label=seq');
    expect(line).toContain('cs3=a\\=b\\\\c\\nd cs3Label=resource');
    expect(line).toContain('requestClientApplication=x|y');
    expect(line).toContain('outcome=Denied reason=insufficient_role');
    expect(line).not.toContain('\n');
    expect(FORMATTERS.cef.heartbeat({ stream: 's', lastSeq: 9, at: new Date(0) }).body).toContain('|Heartbeat|Stream heartbeat|0|rt=0 cn1=9 cn1Label=lastSeq');
  });
});

describe('filter', () => {
  it('a project stream sees only its project (never instance events); filters combine with AND', () => {
    const scope = { project: 'my-api', filter: {} };
    expect(streamMatches(entry(), scope)).toBe(true);
    expect(streamMatches(entry({ projectSlug: null }), scope)).toBe(false);
    expect(streamMatches(entry({ projectSlug: 'other' }), scope)).toBe(false);
    const f = { project: null, filter: { events: ['SecretRead' as const], outcome: 'Denied' as const, environments: ['production'] } };
    expect(streamMatches(entry({ outcome: 'Denied' }), f)).toBe(true);
    expect(streamMatches(entry(), f)).toBe(false);
    expect(streamMatches(entry({ outcome: 'Denied', event: 'SecretUpdated' }), f)).toBe(false);
    expect(streamMatches(entry({ outcome: 'Denied', environmentSlug: 'dev' }), f)).toBe(false);
    expect(streamMatches(entry({ projectSlug: null }), { project: null, filter: {} })).toBe(true);
    expect(streamMatches(entry({ projectSlug: null }), { project: null, filter: { projects: ['my-api'] } })).toBe(false);
  });
});

describe('delivery pieces', () => {
  it('backoff is jittered below an exponential ceiling and capped', () => {
    expect(backoffMs(1, 60_000, () => 0.999)).toBeLessThanOrEqual(250);
    expect(backoffMs(3, 60_000, () => 0.999)).toBeGreaterThan(900);
    expect(backoffMs(3, 60_000, () => 0.999)).toBeLessThanOrEqual(1000);
    expect(backoffMs(40, 60_000, () => 0.999)).toBeLessThanOrEqual(60_000);
    expect(backoffMs(5, 60_000, () => 0)).toBe(50);
  });

  it('a batch respects the sink limits in records and bytes, and always holds at least one record', () => {
    const recs = Array.from({ length: 10 }, (_, i) => FORMATTERS.json.entry(entry({ seq: i + 1 })));
    expect(firstChunk(recs, { maxRecords: 3, maxBytes: 1e9 })).toHaveLength(3);
    expect(firstChunk(recs, { maxRecords: 100, maxBytes: 1 })).toHaveLength(1);
    expect(firstChunk(recs, { maxRecords: 100, maxBytes: 1e9 }).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('5')).toBe(5000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('999999')).toBe(3_600_000);
  });

  it('syslog: RFC 5424 header, escaped structured data, BOM before MSG, octet count in bytes', () => {
    const m = syslogMessage(FORMATTERS.json.entry(entry({ resource: 'a"b]c\\d', outcome: 'Denied', reason: 'insufficient_role' })), { hostname: 'node 1', appName: 'bella', procId: '7' });
    expect(m.startsWith('<84>1 2026-12-04T10:00:00.123Z node_1 bella 7 SecretRead [bella@32473 seq="42" event="SecretRead" outcome="Denied"')).toBe(true);
    expect(m).toContain('resource="a\\"b\\]c\\\\d"');
    expect(m).toContain('] \uFEFF{');
    const framed = octetFrame('é');
    expect(framed).toBe('2 é');
  });
});
