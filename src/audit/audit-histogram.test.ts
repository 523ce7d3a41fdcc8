import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventType, Outcome } from '../contract/events.js';
import type { AuditDraft, AuditFilter } from '../store/types.js';
import { startTestServer, type TestServer } from '../../test/helpers/harness.js';
import { chooseBucketMs, computeHistogram, type AuditHistogramSource, type HistogramCount } from './audit-histogram.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
function draft(minute: number, event: EventType, outcome: Outcome, project = 'alpha'): AuditDraft {
  return {
    id: randomUUID(),
    timestamp: new Date(T0 + minute * 60e3).toISOString(),
    event,
    actor: { type: 'User', id: 'u1', email: 'alice@example.com', name: 'Alice', ip: '10.0.0.1' },
    projectSlug: project,
    environmentSlug: 'prod',
    resource: 'DB_PASSWORD',
    outcome,
    requestId: randomUUID(),
    userAgent: null,
    reason: outcome === 'Denied' ? 'insufficient_role' : null,
    details: {},
  };
}

describe('histogram bucket sizing', () => {
  it('picks the smallest readable bucket that fits the range into the requested count', () => {
    expect(chooseBucketMs(3600e3, 60)).toBe(60e3);
    expect(chooseBucketMs(24 * 3600e3, 60)).toBe(30 * 60e3);
    expect(chooseBucketMs(7 * 86400e3, 60)).toBe(3 * 3600e3);
    expect(chooseBucketMs(400 * 86400e3, 10)).toBe(40 * 86400e3);
  });

  it('fills quiet buckets with zeros and stacks outcomes per bucket', async () => {
    const source: AuditHistogramSource = {
      histogram: async (): Promise<HistogramCount[]> => [
        { bucket: 0, outcome: 'Success', count: 3 },
        { bucket: 0, outcome: 'Denied', count: 1 },
        { bucket: 59, outcome: 'Denied', count: 2 },
      ],
      oldest: async () => null,
    };
    const filter: AuditFilter = { since: new Date(T0).toISOString() };
    const h = await computeHistogram(source, filter, { buckets: 60, now: new Date(T0 + 3600e3) });
    expect(h.bucketMs).toBe(60e3);
    expect(h.buckets).toHaveLength(60);
    expect(h.buckets[0]).toEqual({ start: '2026-03-01T00:00:00.000Z', success: 3, denied: 1 });
    expect(h.buckets[59]).toEqual({ start: '2026-03-01T00:59:00.000Z', success: 0, denied: 2 });
    expect(h.buckets[30]).toEqual({ start: '2026-03-01T00:30:00.000Z', success: 0, denied: 0 });
  });

  it('starts an open-ended range at the oldest matching entry', async () => {
    const source: AuditHistogramSource = { histogram: async () => [], oldest: async () => '2026-03-01T00:00:00.000Z' };
    const h = await computeHistogram(source, {}, { buckets: 24, now: new Date(T0 + 86400e3) });
    expect(h.from).toBe('2026-03-01T00:00:00.000Z');
    expect(h.bucketMs).toBe(3600e3);
    expect(h.buckets).toHaveLength(24);
  });
});

describe('histogram on a real store', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ clock: () => new Date(T0 + 3600e3) });
    const drafts = [
      ...Array.from({ length: 30 }, (_, i) => draft(i * 2, 'SecretRead', 'Success')),
      draft(10, 'SecretRead', 'Denied'),
      draft(10, 'SecretUpdated', 'Denied'),
      draft(59, 'UserLoginFailed', 'Denied'),
      draft(5, 'SecretRead', 'Success', 'beta'),
      // exactly on a bucket edge: must land in the later bucket
      draft(1, 'SecretCreated', 'Success'),
    ];
    await t.server.store.commitBatch([{ audit: drafts, access: [] }]);
  });
  afterAll(() => t.close());

  it("the store's grouped query counts the same as fetching and counting every matching row", async () => {
    // The oracle: every matching row fetched and counted in memory, independent of the grouped SQL.
    const scan: AuditHistogramSource = {
      async histogram(filter, bucketMs, from) {
        const counts = new Map<string, HistogramCount>();
        for (const e of await t.server.store.auditLog.query(filter, 100_000)) {
          const bucket = Math.floor((Date.parse(e.timestamp) - Date.parse(from)) / bucketMs);
          const c = counts.get(`${bucket}/${e.outcome}`);
          counts.set(`${bucket}/${e.outcome}`, { bucket, outcome: e.outcome, count: (c?.count ?? 0) + 1 });
        }
        return [...counts.values()];
      },
      async oldest(filter) {
        const all = await t.server.store.auditLog.query(filter, 100_000);
        return all.length ? (all[all.length - 1] as { timestamp: string }).timestamp : null;
      },
    };
    const sqlSource = t.server.store.auditLog;
    const now = new Date(T0 + 3600e3);
    const filters: AuditFilter[] = [
      { project: 'alpha', since: new Date(T0).toISOString() },
      { project: 'alpha', outcome: 'Denied' },
      { project: 'alpha', events: ['SecretRead'], since: new Date(T0).toISOString() },
      { projectIn: ['beta'] },
    ];
    {
      for (const f of filters) {
        const a = await computeHistogram(sqlSource, f, { buckets: 60, now });
        const b = await computeHistogram(scan, f, { buckets: 60, now });
        expect(a).toEqual(b);
      }
      const all = await computeHistogram(sqlSource, { project: 'alpha', since: new Date(T0).toISOString() }, { buckets: 60, now });
      expect(all.buckets.reduce((n, b) => n + b.denied, 0)).toBe(3);
      expect(all.buckets[1]).toEqual({ start: '2026-03-01T00:01:00.000Z', success: 1, denied: 0 });
    }
  });

  it('answers the route with the list filters and its authorization', async () => {
    {
      const get = (qs: string, token: string | null = t.adminToken) => t.req('GET', `/api/v1/audit-logs/histogram?${qs}`, { token });
      const ok = await get('since=2026-03-01T00:00:00Z&outcome=Denied&buckets=6');
      expect(ok.statusCode).toBe(200);
      const body = ok.json() as { bucketMs: number; buckets: { success: number; denied: number }[] };
      expect(body.bucketMs).toBe(10 * 60e3);
      expect(body.buckets.map((b) => b.denied)).toEqual([0, 2, 0, 0, 0, 1]);
      expect(body.buckets.every((b) => b.success === 0)).toBe(true);

      expect((await get('buckets=0')).statusCode).toBe(400);
      expect((await get('event=Nope')).statusCode).toBe(400);
      expect((await get('', null)).statusCode).toBe(401);
      expect((await t.req('POST', '/api/v1/projects', { token: t.adminToken, body: { slug: 'alpha', name: 'Alpha' } })).statusCode).toBe(201);
      const outsider = await t.user('mallory@example.com');
      // A non-member is refused exactly as the list route refuses them.
      const refused = await get('project=alpha', outsider);
      const list = await t.req('GET', '/api/v1/audit-logs?project=alpha', { token: outsider });
      expect(refused.statusCode).toBeGreaterThanOrEqual(403);
      expect(refused.statusCode).toBe(list.statusCode);
    }
  });
});
