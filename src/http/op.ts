import type { FastifyRequest } from 'fastify';
import type { OpContext } from '../kernel/context.js';
import type { AuthError } from '../identity/authenticator.js';

/** The operation context of a request, whoever the caller is (anonymous included). */
export function publicOpOf(req: FastifyRequest): OpContext {
  const c = req.ctx;
  return { principal: c.principal, requestId: c.requestId, ip: c.ip, userAgent: c.userAgent, audit: c.audit };
}

/**
 * The operation context of a request on a protected route: credentials that were presented but
 * refused surface here (and, on an auditable route, are recorded as Denied under the key that tried).
 */
export function opOf(req: FastifyRequest): OpContext {
  const e = req.ctx.authError as AuthError | null;
  if (e) {
    if (e.actor) req.ctx.principal = { kind: 'anonymous', actor: e.actor };
    // A route without a project in its path: attribute the refusal to the credential's own project.
    if (e.scope && req.ctx.audit.scope.projectSlug === null) req.ctx.audit.setScope(e.scope);
    throw e;
  }
  return publicOpOf(req);
}
