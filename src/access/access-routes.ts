import type { FastifyInstance } from 'fastify';
import { ACCESS_CSV_COLUMNS, type AccessEntry } from '../contract/entries.js';
import { accessQuerySchema, type AccessQueryParams } from '../contract/log-query.js';
import { registerLogRoutes } from '../audit/log-routes.js';
import type { AppDeps } from '../http/deps.js';
import type { AccessFilter } from '../store/types.js';

/** GET /api/v1/access-logs and /api/v1/access-logs/export: one row per HTTP request. */
export function registerAccessRoutes(app: FastifyInstance, deps: AppDeps): void {
  registerLogRoutes<AccessQueryParams, AccessFilter, AccessEntry>(app, deps, {
    name: 'access',
    path: '/api/v1/access-logs',
    querySchema: accessQuerySchema as never,
    csvColumns: ACCESS_CSV_COLUMNS,
    exportEvent: 'AccessLogExported',
    toFilter: (q, common) => ({ ...common, method: q.method, status: q.status, path: q.path }),
    query: (d, filter, limit) => d.store.accessLog.query(filter, limit),
  });
}
