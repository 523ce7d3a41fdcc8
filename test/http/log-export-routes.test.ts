import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_CSV_COLUMNS, AUDIT_CSV_COLUMNS, type AccessEntry, type AuditEntry } from '../../src/contract/entries.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { ISO_MS, oneAudit, rid, seedProject } from './helpers.js';

for (const kind of await testStores()) {
  describe(`log exports, the Access Log, and health routes (${kind})`, () => {
    let t: TestServer;
    let bob: string;
    const get = (url: string, token = t.adminToken, id?: string) => t.req('GET', url, { token, headers: id ? { 'x-request-id': id } : {} });

    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      bob = await t.user('bob@example.com', 'Bob');
      await seedProject(t, bob, 'web', ['prod']);
      await t.req('PUT', '/api/v1/projects/web/environments/prod/secrets/A', { token: bob, body: { value: '=cmd|calc' } });
      await t.req('GET', '/api/v1/projects/web/environments/prod/secrets/A', { token: bob });
      await t.req('GET', '/api/v1/projects/web/environments/prod/secrets/MISSING', { token: bob });
    });
    afterAll(async () => t.close());

    it('exports the Audit Log as JSON equal to the list, with an attachment name, and records AuditLogExported', async () => {
      const listed = (await get('/api/v1/audit-logs?project=web&limit=1000')).json().entries as AuditEntry[];
      const id = rid('export-json');
      const r = await get('/api/v1/audit-logs/export?format=json&project=web', t.adminToken, id);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.headers['content-disposition']).toBe('attachment; filename="audit-log.json"');
      expect(JSON.parse(r.body)).toEqual(listed);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'AuditLogExported', resource: 'audit-log', details: { format: 'json', filters: { project: 'web' } } });
    });

    it('exports NDJSON, one entry per line, honouring filters and limit', async () => {
      const r = await get('/api/v1/audit-logs/export?format=ndjson&event=SecretRead,SecretCreated&limit=1');
      expect(r.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      const lines = r.body.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry);
      expect(lines).toHaveLength(1);
      expect(lines[0]?.event).toBe('SecretRead');
      // The export is a snapshot of what was committed before it was asked for: its own entry is not in it.
      const before = (await get('/api/v1/audit-logs?limit=1000')).json().entries as AuditEntry[];
      const all = (await get('/api/v1/audit-logs/export?format=ndjson')).body.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry);
      expect(all.map((e) => e.seq)).toEqual(before.map((e) => e.seq));
    });

    it('exports CSV with the documented columns, UTC ms timestamps, and formula cells neutralized by default', async () => {
      const r = await get('/api/v1/audit-logs/export?format=csv&project=web');
      expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
      const rows = parse(r.body) as string[][];
      expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
      for (const row of rows.slice(1)) expect(row[0]).toMatch(ISO_MS);
      expect(rows.slice(1).map((row) => row[1])).toContain('SecretRead');
      expect(r.body).not.toContain('=cmd|calc');
    });

    it('an empty JSON export is a valid empty array', async () => {
      const r = await get('/api/v1/audit-logs/export?format=json&requestId=no-such-request');
      expect(JSON.parse(r.body)).toEqual([]);
    });

    it('a non-reader exporting a project is Denied and the refusal is recorded as AuditLogExported Denied under that project', async () => {
      const outsider = await t.user('out@example.com');
      const id = rid('export-denied');
      const r = await get('/api/v1/audit-logs/export?project=web', outsider, id);
      expect(r.statusCode).toBe(403);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'AuditLogExported', outcome: 'Denied', reason: 'not_a_member', projectSlug: 'web' });
    });

    it('the Access Log lists every request with status, route, redacted path and actor, newest first', async () => {
      const id = rid('probe');
      await t.req('GET', '/api/v1/projects/web/environments/prod/secrets/A?token=sekrit', { token: bob, headers: { 'x-request-id': id } });
      const r = await get(`/api/v1/access-logs?requestId=${id}`);
      expect(Object.keys(r.json()).sort()).toEqual(['entries', 'nextCursor']);
      const [e] = r.json().entries as AccessEntry[];
      expect(e).toMatchObject({
        requestId: id, method: 'GET', route: '/api/v1/projects/:project/environments/:env/secrets/:key', status: 200,
        path: '/api/v1/projects/web/environments/prod/secrets/A?token=', projectSlug: 'web', environmentSlug: 'prod',
        actor: { type: 'User', email: 'bob@example.com', ip: '127.0.0.1' },
      });
      expect(e?.timestamp).toMatch(ISO_MS);
      expect(typeof e?.durationMs).toBe('number');
    });

    it('the Access Log has 404s of unknown routes and filters by method, status and path', async () => {
      const id = rid('nowhere');
      expect((await t.req('GET', '/api/v1/nowhere', { headers: { 'x-request-id': id } })).statusCode).toBe(404);
      expect((await get(`/api/v1/access-logs?requestId=${id}`)).json().entries).toEqual([expect.objectContaining({ status: 404, route: null, actor: expect.objectContaining({ type: 'Anonymous' }) })]);
      const notFound = (await get('/api/v1/access-logs?status=404&method=GET')).json().entries as AccessEntry[];
      expect(notFound.length).toBeGreaterThanOrEqual(2);
      expect(notFound.every((x) => x.status === 404 && x.method === 'GET')).toBe(true);
      const byPath = (await get(`/api/v1/access-logs?path=${encodeURIComponent('/api/v1/nowhere')}`)).json().entries as AccessEntry[];
      expect(byPath.map((x) => x.requestId)).toEqual([id]);
    });

    it('the Access Log pages with a cursor and a project owner reads only its project', async () => {
      const p1 = (await get('/api/v1/access-logs?limit=2')).json();
      expect(p1.entries).toHaveLength(2);
      const p2 = (await get(`/api/v1/access-logs?limit=2&cursor=${encodeURIComponent(p1.nextCursor)}`)).json();
      expect(p2.entries[0].seq).toBeLessThan(p1.entries[1].seq);
      const mine = (await get('/api/v1/access-logs?limit=1000', bob)).json().entries as AccessEntry[];
      expect(mine.length).toBeGreaterThan(0);
      expect(new Set(mine.map((x) => x.projectSlug))).toEqual(new Set(['web']));
    });

    it('exports the Access Log as CSV and NDJSON and records AccessLogExported', async () => {
      const id = rid('access-export');
      const csv = await get('/api/v1/access-logs/export?format=csv', t.adminToken, id);
      expect(csv.statusCode).toBe(200);
      expect((parse(csv.body) as string[][])[0]).toEqual([...ACCESS_CSV_COLUMNS]);
      expect(await oneAudit(t, id)).toMatchObject({ event: 'AccessLogExported', resource: 'access-log', details: { format: 'csv' } });
      const nd = await get('/api/v1/access-logs/export?format=ndjson&status=404');
      for (const line of nd.body.trimEnd().split('\n')) expect((JSON.parse(line) as AccessEntry).status).toBe(404);
    });

    it('/healthz answers ok and /readyz answers ready with the store kind and the health of each worker', async () => {
      const h = await t.req('GET', '/healthz');
      expect(h.statusCode).toBe(200);
      expect(h.json()).toEqual({ status: 'ok' });
      const r = await t.req('GET', '/readyz');
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'ready', store: kind, lastCommitFailure: null });
      // Each worker's health is listed; the retention worker ran its first purge at start.
      const workers = (r.json() as { workers: Record<string, { ok: boolean; lastRunAt: string | null }> }).workers;
      expect(Object.keys(workers)).toEqual(['streams', 'retention', 'lease-expiry', 'credential-leases', 'checkpoints']);
      expect(workers.retention).toMatchObject({ ok: true, lastError: null });
      expect(workers.checkpoints).toMatchObject({ ok: true, lastError: null });
      expect(workers.streams).toMatchObject({ ok: true, lastError: null });
      expect(r.json()).toMatchObject({ streams: {}, degraded: [] });
    });
  });
}
