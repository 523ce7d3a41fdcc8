import type { z } from 'zod';
import { AUDIT_CSV_COLUMNS, type AuditEntry } from '../contract/entries.js';
import type { EventType } from '../contract/events.js';
import { auditQuerySchema, type AuditQueryParams } from '../contract/log-query.js';
import type { Store } from '../store/ports.js';
import type { AuditFilter, LogFilterBase } from '../store/types.js';

export interface LogQueryBase {
  project?: string;
  environment?: string;
  since?: string;
  until?: string;
  actor?: string;
  actorType?: string;
  client?: string;
  requestId?: string;
  limit?: number;
  cursor?: string;
  /** A search query (contract/log-search.ts), ANDed with the other parameters */
  q?: string;
  /** true: leave out the caller's own entries (its own page loads, say) */
  excludeSelf?: 'true' | 'false';
}

/** What differs between the Audit Log and the Access Log; reading, paging and export are shared. */
export interface LogKind<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }> {
  readonly name: 'audit' | 'access';
  readonly path: string;
  readonly querySchema: z.ZodType<Q>;
  readonly csvColumns: readonly string[];
  readonly exportEvent: EventType;
  /** Maps the log-specific query params onto the store filter (common ones are done already) */
  toFilter(q: Q, common: LogFilterBase): F;
  query(store: Pick<Store, 'auditLog' | 'accessLog'>, filter: F, limit: number): Promise<E[]>;
}

export const AUDIT_LOG: LogKind<AuditQueryParams, AuditFilter, AuditEntry> = {
  name: 'audit',
  path: '/api/v1/audit-logs',
  querySchema: auditQuerySchema as never,
  csvColumns: AUDIT_CSV_COLUMNS,
  exportEvent: 'AuditLogExported',
  toFilter: (q, common) => ({ ...common, events: q.event as AuditFilter['events'], outcome: q.outcome, resource: q.resource }),
  query: (s, filter, limit) => s.auditLog.query(filter, limit),
};
