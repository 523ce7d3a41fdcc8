import type { AuditEntry } from '../../src/contract/entries.js';

/** A well-formed Audit Log entry (a User's SecretRead) for formatter and sink tests; override any field. */
export const auditEntry = (o: Partial<AuditEntry> = {}): AuditEntry => ({
  id: '0190-aa',
  seq: 42,
  timestamp: '2026-12-04T10:00:00.123Z',
  event: 'SecretRead',
  actor: { type: 'User', id: 'u1', email: 'alice@example.com', name: 'Alice', ip: '10.0.0.7' },
  projectSlug: 'my-api',
  environmentSlug: 'production',
  resource: 'DB_URL',
  outcome: 'Success',
  requestId: 'req-1',
  userAgent: 'curl/8',
  reason: null,
  details: { version: 3 },
  ...o,
});
