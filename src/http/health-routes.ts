import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './deps.js';

/** Health routes still answer when their own access row cannot be written (they are how you find out). */
const bestEffort = { config: { accessBestEffort: true } };

/** /healthz: the process is up. /readyz: the audit store accepts writes, so operations can be audited. */
export function registerHealthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', bestEffort, async () => ({ status: 'ok' }));

  app.get('/readyz', bestEffort, async (_req, reply) => {
    const h = deps.uow.health();
    const workers = deps.workers();
    try {
      await deps.store.probeWritable();
    } catch (e) {
      const probe = e instanceof Error ? e.message : String(e);
      return reply.code(503).send({
        status: 'unavailable',
        reason: `the audit store refuses writes, so auditable operations are refused (fail-closed): ${probe}`,
        lastCommitFailure: h.ok ? null : { reason: h.reason, since: h.since },
        store: deps.store.kind,
        workers,
      });
    }
    return { status: 'ready', store: deps.store.kind, lastCommitFailure: h.ok ? null : { reason: h.reason, since: h.since }, workers };
  });
}
