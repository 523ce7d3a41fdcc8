import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { createUserBody, type UserView } from '../contract/api.js';
import { commit, record, type AppDeps } from '../http/deps.js';
import { conflict, forbidden } from '../http/errors.js';
import type { UserRow } from '../store/types.js';
import { requireUser } from './authenticate.js';
import { hashPassword } from './passwords.js';

export const userView = (u: UserRow): UserView => ({ id: u.id, email: u.email, name: u.name, admin: u.admin, createdAt: u.createdAt });

export function registerUserRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/users', { schema: { body: createUserBody }, config: { audit: { event: 'UserCreated' } } }, async (req, reply) => {
    req.ctx.resource = req.body.email;
    const p = requireUser(req);
    if (!p.user.admin) throw forbidden('only an instance admin can create users', 'admin_required');
    if (await deps.store.users.getByEmail(req.body.email)) throw conflict(`a user with email ${req.body.email} already exists`);
    const user: UserRow = {
      id: randomUUID(),
      email: req.body.email,
      name: req.body.name,
      passwordHash: await hashPassword(req.body.password),
      admin: req.body.admin ?? false,
      createdAt: deps.clock().toISOString(),
    };
    record(deps, req, { event: 'UserCreated', resource: user.email, details: { userId: user.id, admin: user.admin } });
    await commit(deps, req, (tx) => tx.users.insert(user));
    return reply.code(201).send(userView(user));
  });

  r.get('/api/v1/users', async (req) => {
    const p = requireUser(req);
    if (!p.user.admin) throw forbidden('only an instance admin can list users', 'admin_required');
    return { users: (await deps.store.users.list()).map(userView) };
  });
}
