import type { FastifyRequest } from 'fastify';
import { SLUG_RE } from '../contract/log-query.js';
import { requireUser } from '../identity/authenticator.js';
import { authenticated } from '../kernel/context.js';
import { forbidden } from '../kernel/errors.js';
import { routeOf } from './context.js';
import type { AppDeps } from './deps.js';
import { opOf } from './op.js';

/** Body fields a refusal may name in its Denied entry (what was attempted). Never a value or password. */
const ATTEMPT_FIELDS = ['role', 'name', 'slug', 'email', 'auditDays', 'accessDays'] as const;

/** What a refused request attempted, for the Denied entry's details: the route, and the safe fields of its body. */
export function attempted(req: FastifyRequest): Record<string, unknown> {
  const out: Record<string, unknown> = { request: `${req.method} ${routeOf(req).url ?? req.url.split('?')[0]}` };
  const body = req.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const f of ATTEMPT_FIELDS) {
      const v = (body as Record<string, unknown>)[f];
      if (typeof v === 'string') out[f] = v.slice(0, 200);
      else if (typeof v === 'number' && Number.isFinite(v)) out[f] = v;
    }
  }
  return out;
}

export const isProtected = (req: FastifyRequest): boolean => {
  const r = routeOf(req);
  return (r.url ?? '').startsWith('/api/') && !r.config?.public;
};

/**
 * A protected route's caller is authenticated before anything else, and, where the route says so,
 * authorized from its path before its body is validated. Throws the refusal (recorded as Denied).
 */
export async function guard(deps: AppDeps, req: FastifyRequest): Promise<void> {
  if (!isProtected(req)) return;
  const op = opOf(req);
  const p = authenticated(op);
  const rule = routeOf(req).config?.authorize;
  if (!rule) return;
  if (rule === 'user') {
    requireUser(p);
    return;
  }
  if (rule === 'streamManager') {
    // Decided before the body is read: someone who may manage no stream at all is refused (and the
    // refusal recorded) whatever they sent; which project's streams, the service decides.
    const user = requireUser(p).user;
    if (user.admin) return;
    if ((await deps.services.projects.list(op)).some((x) => x.role === 'OWNER')) return;
    throw forbidden('only the instance admin or an OWNER of a project may manage audit streams', 'stream_owner_required');
  }
  if (rule === 'logReader') {
    // Whoever may read some of the Audit Log (reports); which project, the service decides.
    await deps.services.integrity.authorizeReader(op);
    return;
  }
  if (rule === 'admin') {
    if (p.kind === 'system') return;
    if (!requireUser(p).user.admin) throw forbidden('only an instance admin can do this', 'admin_required');
    return;
  }
  const params = (req.params ?? {}) as Record<string, unknown>;
  const project = typeof params.project === 'string' && SLUG_RE.test(params.project) ? params.project : null;
  // A malformed path is the validator's to refuse; a missing project or environment the handler's (404).
  if (project === null) return;
  const env = typeof params.env === 'string' && SLUG_RE.test(params.env) ? params.env : null;
  try {
    if (env === null) await deps.services.scopes.resolve(op, project, null, rule);
    else await deps.services.scopes.resolve(op, project, env, rule);
  } catch (e) {
    if ((e as { code?: string }).code === 'not_found') return;
    throw e;
  }
}
