import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { retentionBody } from '../contract/api.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

const PATH = '/api/v1/admin/retention';

/** Retention windows of both logs (instance admin only); changes are audited as RetentionChanged. */
export function registerRetentionRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const retention = deps.services.retention;

  r.get(PATH, async (req) => retention.show(opOf(req)));

  r.put(PATH, { schema: { body: retentionBody }, config: { audit: { event: 'RetentionChanged', resource: 'retention' }, authorize: 'admin' } }, async (req) => {
    return retention.set(opOf(req), req.body);
  });
}
