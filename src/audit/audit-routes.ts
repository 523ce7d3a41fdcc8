import type { FastifyInstance } from 'fastify';
import { AUDIT_CSV_COLUMNS, type AuditEntry } from '../contract/entries.js';
import { auditQuerySchema, type AuditQueryParams } from '../contract/log-query.js';
import type { AppDeps } from '../http/deps.js';
import type { AuditFilter } from '../store/types.js';
import { registerLogRoutes, type LogKind } from './log-routes.js';

/** The Audit Log as the shared log routes (and the histogram) read it. */
export const AUDIT_LOG: LogKind<AuditQueryParams, AuditFilter, AuditEntry> = {
  name: 'audit',
  path: '/api/v1/audit-logs',
  querySchema: auditQuerySchema as never,
  csvColumns: AUDIT_CSV_COLUMNS,
  exportEvent: 'AuditLogExported',
  toFilter: (q, common) => ({ ...common, events: q.event as AuditFilter['events'], outcome: q.outcome, resource: q.resource }),
  query: (d, filter, limit) => d.store.auditLog.query(filter, limit),
};

/** GET /api/v1/audit-logs and /api/v1/audit-logs/export. */
export function registerAuditRoutes(app: FastifyInstance, deps: AppDeps): void {
  registerLogRoutes(app, deps, AUDIT_LOG);
}
