import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './deps.js';

/** Health routes still answer when their own access row cannot be written (they are how you find out). */
const bestEffort = { config: { accessBestEffort: true } };

/**
 * /healthz: the process is up. /readyz: this node can make audit rows durable, so it can serve.
 *
 * Not ready (503) while the last commit failed and none has succeeded since (a full disk lets a
 * write transaction begin but not commit, so the probe alone would say ready), or while the write
 * probe fails (database gone, replaced, locked or read-only). Ready again only once a commit
 * succeeds: each /readyz request's own access row is such a commit. Degraded states (a background
 * worker failing) are listed apart and do not make the node unready: requests are still audited.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', bestEffort, async () => ({ status: 'ok' }));

  app.get('/readyz', bestEffort, async (_req, reply) => {
    const h = deps.uow.health();
    const workers = deps.workers();
    const lastCommitFailure = h.ok ? null : { reason: h.reason, since: h.since };
    const degraded = Object.entries(workers)
      .filter(([, w]) => !w.ok)
      .map(([name, w]) => `worker ${name} failing: ${w.lastError ?? 'unknown error'}`);
    // A stream in trouble is degraded, never not-ready: requests are still audited.
    const streams = deps.streams?.() ?? {};
    for (const [name, s] of Object.entries(streams)) {
      if (s.state === 'failing') degraded.push(`audit stream ${name} failing since ${s.failingSince ?? 'unknown'}: ${s.lastError ?? 'unknown error'}`);
      else if (s.state === 'active' && s.retrying >= 3) degraded.push(`audit stream ${name} retrying (${s.retrying} attempts): ${s.lastError ?? 'unknown error'}`);
    }
    const notReady: string[] = [];
    let probe: string | null = null;
    try {
      await deps.store.probeWritable();
    } catch (e) {
      probe = e instanceof Error ? e.message : String(e);
      notReady.push(`the audit store refuses writes: ${probe}`);
    }
    if (!h.ok) notReady.push(h.reason === probe ? `no commit has succeeded since ${h.since}` : `the last commit failed (${h.reason}) and none has succeeded since ${h.since}`);
    const base = { store: deps.store.kind, lastCommitFailure, degraded, workers, ...(deps.streams ? { streams } : {}) };
    if (notReady.length > 0) {
      return reply.code(503).send({
        status: 'unavailable',
        reason: `auditable operations are refused (fail-closed): ${notReady.join('; ')}`,
        ...base,
      });
    }
    return { status: degraded.length > 0 ? 'degraded' : 'ready', ...base };
  });
}
