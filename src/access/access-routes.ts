import type { FastifyInstance } from 'fastify';
import { registerLogRoutes } from '../audit/log-routes.js';
import type { AppDeps } from '../http/deps.js';
import { ACCESS_LOG } from './access-log.js';

/** GET /api/v1/access-logs and /api/v1/access-logs/export: one row per HTTP request. */
export function registerAccessRoutes(app: FastifyInstance, deps: AppDeps): void {
  registerLogRoutes(app, deps, ACCESS_LOG);
}
