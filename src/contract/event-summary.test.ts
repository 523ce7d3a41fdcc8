import { describe, expect, it } from 'vitest';
import type { AccessEntry, AuditEntry } from './entries.js';
import { EVENT_TYPES } from './events.js';
import { summarizeEntry } from './event-summary.js';

const alice = { type: 'User' as const, id: 'u1', email: 'alice@example.com', name: 'Alice', ip: '10.0.0.1' };
const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  id: 'e1', seq: 1, timestamp: '2026-03-01T00:00:00.000Z', event: 'SecretRead', actor: alice, projectSlug: 'my-api', environmentSlug: 'production',
  resource: 'DB_PASSWORD', outcome: 'Success', requestId: null, userAgent: null, reason: null, details: {}, ...over,
});

describe('summarizeEntry', () => {
  it('says who did what to whom, from details', () => {
    expect(summarizeEntry(entry({ event: 'MemberAdded', resource: 'dave@example.com', details: { role: 'CONSUMER' } }))).toBe('alice@example.com added dave@example.com as CONSUMER');
    expect(summarizeEntry(entry({ event: 'ApiKeyRevoked', resource: 'k-1', details: { name: 'ci-deploy', role: 'CONSUMER' } }))).toBe('alice@example.com revoked API key "ci-deploy" (k-1)');
    expect(summarizeEntry(entry({ event: 'SecretRead', details: { version: 3 } }))).toBe('alice@example.com read DB_PASSWORD (version 3)');
    expect(summarizeEntry(entry({ event: 'SecretsBulkPulled', resource: 'production', details: { count: 4 }, actor: { type: 'ApiKey', id: 'k', email: null, name: 'ci', ip: null } }))).toBe(
      'API key "ci" pulled 4 secrets in my-api/production',
    );
    expect(summarizeEntry(entry({ event: 'RetentionChanged', resource: 'retention', details: { old: { auditDays: 365, accessDays: 90 }, new: { auditDays: 30, accessDays: 90 } } }))).toBe(
      'alice@example.com changed log retention (audit 365→30 days)',
    );
  });

  it('describes the compliance events from their details', () => {
    expect(summarizeEntry(entry({ event: 'ReportGenerated', resource: 'report:soc2', details: { kind: 'framework', framework: 'soc2', entries: 39 } }))).toBe('alice@example.com generated a SOC2 evidence pack over 39 entries');
    expect(summarizeEntry(entry({ event: 'ReportGenerated', resource: 'report:subject-access', details: { kind: 'subject-access', framework: 'gdpr', entries: 1 } }))).toBe('alice@example.com generated a subject-access report over 1 entry');
    expect(summarizeEntry(entry({ event: 'AccessReviewStarted', details: { grants: [{}, {}] } }))).toBe('alice@example.com started an access review of 2 grants');
    expect(summarizeEntry(entry({ event: 'AccessReviewDecided', details: { grant: 'member dave@example.com MEMBER', decision: 'revoke' } }))).toBe(
      'alice@example.com decided to revoke member dave@example.com MEMBER in an access review',
    );
    expect(summarizeEntry(entry({ event: 'SubjectErased', resource: 'erased:976dc67a1c4eba74', details: { pseudonym: 'erased:976dc67a1c4eba74' } }))).toBe('alice@example.com erased the personal data of erased:976dc67a1c4eba74');
  });

  it('says what a Denied entry tried and why it was refused', () => {
    expect(summarizeEntry(entry({ event: 'SecretUpdated', outcome: 'Denied', reason: 'insufficient_role' }))).toBe('alice@example.com was refused: tried to update DB_PASSWORD (insufficient_role)');
    expect(summarizeEntry(entry({ event: 'MemberAdded', outcome: 'Denied', reason: 'insufficient_role', resource: 'eve@example.com', details: { role: 'OWNER' } }))).toBe(
      'alice@example.com was refused: tried to add eve@example.com as OWNER (insufficient_role)',
    );
  });

  it('has a sentence for every event, with or without details', () => {
    for (const event of EVENT_TYPES) {
      for (const outcome of ['Success', 'Denied'] as const) {
        const s = summarizeEntry(entry({ event, outcome, details: {}, resource: null }));
        expect(s).toMatch(/^alice@example\.com /);
        expect(s).not.toContain('undefined');
      }
    }
  });

  it('summarises an access row as method, path and status', () => {
    const a: AccessEntry = {
      id: 'a', seq: 1, timestamp: '2026-03-01T00:00:00.000Z', requestId: 'r', method: 'GET', route: null, path: '/api/v1/audit-logs', status: 403, durationMs: 1,
      actor: { type: 'Anonymous', id: null, email: null, name: null, ip: '10.0.0.9' }, userAgent: null, projectSlug: null, environmentSlug: null,
    };
    expect(summarizeEntry(a)).toBe('an anonymous caller from 10.0.0.9 GET /api/v1/audit-logs → 403');
  });
});
