import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { retentionBody, type RetentionView } from '../contract/api.js';
import { commit, record, type AppDeps } from '../http/deps.js';
import { badRequest, forbidden } from '../http/errors.js';
import { requireUser } from '../identity/authenticate.js';
import {
  RETENTION_DEFAULTS, RETENTION_FLOORS, RETENTION_MAX_DAYS, readRetention, retentionProblems, retentionSettings, type RetentionWindows,
} from './retention.js';

const PATH = '/api/v1/admin/retention';

const view = (w: RetentionWindows): RetentionView => ({
  auditDays: w.auditDays,
  accessDays: w.accessDays,
  defaults: { ...RETENTION_DEFAULTS },
  floors: { ...RETENTION_FLOORS },
  maximumDays: RETENTION_MAX_DAYS,
});

function requireAdmin(req: FastifyRequest, action: string): void {
  const p = requireUser(req);
  if (!p.user.admin) throw forbidden(`only an instance admin can ${action} log retention`, 'admin_required');
}

/**
 * Retention windows of both logs. Changing them is itself audited (RetentionChanged, with the old
 * and the new values); a lowered window takes effect at the next scheduled purge.
 */
export function registerRetentionRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(PATH, async (req) => {
    requireAdmin(req, 'read');
    return view(await readRetention(deps.store));
  });

  r.put(PATH, { schema: { body: retentionBody }, config: { audit: { event: 'RetentionChanged' } } }, async (req) => {
    req.ctx.resource = 'retention';
    requireAdmin(req, 'change');
    const problems = retentionProblems(req.body);
    if (problems.length > 0) throw badRequest(problems.join('; '));
    const old = await readRetention(deps.store);
    const next: RetentionWindows = { auditDays: req.body.auditDays ?? old.auditDays, accessDays: req.body.accessDays ?? old.accessDays };
    record(deps, req, { event: 'RetentionChanged', resource: 'retention', details: { old, new: next } });
    await commit(deps, req, async (tx) => {
      for (const [k, v] of retentionSettings(next)) await tx.settings.set(k, v);
    });
    return view(next);
  });
}
