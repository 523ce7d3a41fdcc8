import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessReviewView } from '../../src/contract/access-review.js';
import type { AuditEntry } from '../../src/contract/entries.js';
import type { ReportManifest, ReportPack } from '../../src/contract/reports.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';

const manifestOf = (p: ReportPack) => JSON.parse(Buffer.from(p.files.find((f) => f.name === 'manifest.json')?.content ?? '', 'base64').toString('utf8')) as ReportManifest;

/** Reports, reviews, subject access and erasure on each store (PostgreSQL included when it answers). */
for (const kind of await testStores()) {
  describe(`compliance evidence on ${kind}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await t.user('pat@example.com', 'Pat');
      await t.req('POST', '/api/v1/projects', { token: t.adminToken, body: { slug: 'p', name: 'P' } });
      await t.req('POST', '/api/v1/projects/p/environments', { token: t.adminToken, body: { slug: 'prod', name: 'Prod' } });
      await t.req('PUT', '/api/v1/projects/p/members/pat@example.com', { token: t.adminToken, body: { role: 'MEMBER' } });
      const pat = await t.login('pat@example.com', 'pw-pat@example.com-long-enough');
      await t.req('PUT', '/api/v1/projects/p/environments/prod/secrets/K', { token: pat, body: { value: 'v' } });
    }, 60_000);
    afterAll(() => t.close());

    it('a pack verifies the period; a review revokes; erasure keeps the log verifiable', async () => {
      const r = await t.req('POST', '/api/v1/reports', { token: t.adminToken, body: { framework: 'iso27001', since: '2020-01-01', until: '2100-01-01' } });
      expect(r.statusCode, r.body).toBe(200);
      const all = (await t.req('GET', '/api/v1/audit-logs/export?format=json', { token: t.adminToken })).json() as AuditEntry[];
      const m = manifestOf(r.json());
      expect(m.verification.ok).toBe(true);
      // The pack holds what was committed before it: not its own ReportGenerated entry, nor the export made after.
      expect(m.counts.entries).toBe(all.filter((e) => e.event !== 'AuditLogExported' && e.event !== 'ReportGenerated').length);
      const review = (await t.req('POST', '/api/v1/projects/p/access-reviews', { token: t.adminToken })).json() as AccessReviewView;
      const pat = review.grants.find((g) => g.subject === 'pat@example.com');
      const d = await t.req('POST', `/api/v1/projects/p/access-reviews/${review.id}/decisions`, { token: t.adminToken, body: { grant: pat?.n, decision: 'revoke', rationale: 'left' } });
      expect(d.statusCode, d.body).toBe(200);
      const e = await t.req('POST', '/api/v1/admin/subjects/erase', { token: t.adminToken, body: { email: 'pat@example.com' } });
      expect(e.statusCode, e.body).toBe(200);
      expect(e.json().auditEntries).toBeGreaterThan(0);
      const after = await t.req('POST', '/api/v1/reports', { token: t.adminToken, body: { framework: 'gdpr', since: '2020-01-01', until: '2100-01-01' } });
      expect(manifestOf(after.json()).verification).toMatchObject({ ok: true, problems: [] });
    });
  });
}
