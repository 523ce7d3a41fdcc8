import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactFilters, redactUrl } from '../../src/contract/query-redaction.js';
import { redactUrl as accessLogRedactUrl } from '../../src/http/redact.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { findMarker, newMarker } from '../invariants/leak-search.js';
import { accessFor, oneAudit, rid, seedProject } from './helpers.js';

/**
 * An export's own Audit Log entry (details.filters) keeps of the query exactly what the Access Log
 * keeps of the same request's path: filter names always, values only for known-safe filters. A secret
 * pasted into actor=, resource= or requestId= lands in neither.
 */
describe('one redaction rule for query values', () => {
  it('the Access Log uses the shared rule', () => {
    expect(accessLogRedactUrl).toBe(redactUrl);
  });
  it('filters keep safe values (cut to 128 characters) and drop every other value, keeping the name', () => {
    expect(redactFilters({ project: 'web', event: ['SecretRead'], limit: 5, actor: 'sekrit', requestId: 'r', resource: 'x', since: 'y'.repeat(200), skip: undefined })).toEqual({
      project: 'web', event: ['SecretRead'], limit: 5, actor: '', requestId: '', resource: '', since: 'y'.repeat(128),
    });
  });
});

for (const kind of await testStores()) {
  describe(`export filters in the export's own audit entry (${kind})`, () => {
    let t: TestServer;
    const marker = newMarker();
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      const bob = await t.user('bob@example.com');
      await seedProject(t, bob, 'web', ['prod']);
    });
    afterAll(async () => t.close());

    for (const log of ['audit', 'access'] as const) {
      it(`an ${log} log export with actor=<secret> keeps the name, not the value, as the Access Log does`, async () => {
        const id = rid(`redact-${log}`);
        const q = `project=web&since=7d&limit=10&actor=${marker}&requestId=${marker}${log === 'audit' ? `&resource=${marker}&event=SecretRead` : `&path=${marker}&method=GET`}`;
        const r = await t.req('GET', `/api/v1/${log}-logs/export?format=ndjson&${q}`, { token: t.adminToken, headers: { 'x-request-id': id } });
        expect(r.statusCode, r.body).toBe(200);
        const entry = await oneAudit(t, id);
        expect(entry.event).toBe(log === 'audit' ? 'AuditLogExported' : 'AccessLogExported');
        const filters = (entry.details as { filters: Record<string, unknown> }).filters;
        expect(filters).toMatchObject({ project: 'web', since: '7d', limit: 10, actor: '', requestId: '' });
        expect(findMarker(id, Buffer.from(JSON.stringify(entry)), marker)).toEqual([]);

        // The same rule: the names and kept values of the entry are those of the Access Log's path.
        const [access] = await accessFor(t, id);
        const kept = new URLSearchParams((access?.path ?? '').split('?')[1] ?? '');
        for (const [name, value] of kept) {
          if (name === 'format') continue; // details.format, not a filter
          const v = filters[name];
          expect(Array.isArray(v) ? v.join(',') : String(v), name).toBe(value);
        }
        expect(Object.keys(filters).sort()).toEqual([...new Set(kept.keys())].filter((k) => k !== 'format').sort());
      });
    }
  });
}
