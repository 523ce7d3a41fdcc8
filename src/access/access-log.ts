import { ACCESS_CSV_COLUMNS, type AccessEntry } from '../contract/entries.js';
import { accessQuerySchema, type AccessQueryParams } from '../contract/log-query.js';
import type { LogKind } from '../audit/log-kinds.js';
import type { AccessFilter } from '../store/types.js';

/** The Access Log (one row per HTTP request) as the shared log query service reads it. */
export const ACCESS_LOG: LogKind<AccessQueryParams, AccessFilter, AccessEntry> = {
  name: 'access',
  path: '/api/v1/access-logs',
  querySchema: accessQuerySchema as never,
  csvColumns: ACCESS_CSV_COLUMNS,
  exportEvent: 'AccessLogExported',
  toFilter: (q, common) => ({ ...common, method: q.method, status: q.status, path: q.path }),
  query: (s, filter, limit) => s.accessLog.query(filter, limit),
};
