import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createUserBody } from '../contract/api.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

export function registerUserRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const users = deps.services.users;

  r.post('/api/v1/users', { schema: { body: createUserBody }, config: { audit: { event: 'UserCreated', resourceBody: 'email' }, authorize: 'admin' } }, async (req, reply) => {
    return reply.code(201).send(await users.create(opOf(req), req.body));
  });

  r.get('/api/v1/users', async (req) => ({ users: await users.list(opOf(req)) }));
}
