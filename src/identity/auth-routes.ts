import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loginBody } from '../contract/api.js';
import type { AppDeps } from '../http/deps.js';
import { opOf, publicOpOf } from '../http/op.js';

export function registerAuthRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const sessions = deps.services.sessions;

  r.post('/api/v1/auth/login', { schema: { body: loginBody }, config: { public: true } }, async (req, reply) => {
    const { response, principal } = await sessions.login(publicOpOf(req), req.body.email, req.body.password);
    // The access row of a login names the user who logged in.
    req.ctx.principal = principal;
    return reply.code(200).send(response);
  });

  r.post('/api/v1/auth/logout', { config: { audit: { event: 'UserLogout' } } }, async (req, reply) => {
    await sessions.logout(opOf(req));
    return reply.code(204).send();
  });

  r.get('/api/v1/auth/whoami', async (req) => sessions.whoami(opOf(req)));
}
