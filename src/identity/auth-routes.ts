import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loginBody, type LoginResponse, type WhoAmI } from '../contract/api.js';
import { commit, record, type AppDeps } from '../http/deps.js';
import { AppError } from '../http/errors.js';
import { requireAuth, requireUser } from './authenticate.js';
import { dummyHash, verifyPassword } from './passwords.js';
import { createLoginThrottle } from './throttle.js';
import { SESSION_TTL_MS, newSessionToken, sha256hex } from './tokens.js';
import { userView } from './user-routes.js';

export function registerAuthRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const throttle = createLoginThrottle(deps.clock);

  r.post('/api/v1/auth/login', { schema: { body: loginBody } }, async (req, reply) => {
    const { email, password } = req.body;
    const ip = req.ctx.ip;
    const wait = throttle.retryAfter(email, ip);
    const user = await deps.store.users.getByEmail(email);
    const actor = { type: 'User' as const, id: user?.id ?? null, email, name: user?.name ?? null, ip };
    if (wait > 0) {
      record(deps, req, { event: 'UserLoginFailed', outcome: 'Denied', actor, resource: email, reason: 'throttled', details: { retryAfterSeconds: wait } });
      throw new AppError('too_many_attempts', `too many failed logins; retry in ${wait} s`, { headers: { 'retry-after': String(wait) } });
    }
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok) {
      throttle.fail(email, ip);
      record(deps, req, { event: 'UserLoginFailed', outcome: 'Denied', actor, resource: email, reason: user ? 'wrong_password' : 'unknown_account' });
      throw new AppError('invalid_credentials', 'email or password is wrong');
    }
    throttle.succeed(email);
    const token = newSessionToken();
    const now = deps.clock();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
    req.ctx.principal = { kind: 'user', user, sessionHash: sha256hex(token), actor: { ...actor, id: user.id, name: user.name } };
    record(deps, req, { event: 'UserLogin', resource: user.email, details: { method: 'password', sessionExpiresAt: expiresAt } });
    await commit(deps, req, (tx) =>
      tx.users.insertSession({ tokenHash: sha256hex(token), userId: user.id, createdAt: now.toISOString(), expiresAt, revokedAt: null }),
    );
    const body: LoginResponse = { token, expiresAt, user: userView(user) };
    return reply.code(200).send(body);
  });

  r.post('/api/v1/auth/logout', async (req, reply) => {
    const p = requireUser(req);
    record(deps, req, { event: 'UserLogout', resource: p.user.email });
    await commit(deps, req, (tx) => tx.users.revokeSession(p.sessionHash, deps.clock().toISOString()));
    return reply.code(204).send();
  });

  r.get('/api/v1/auth/whoami', async (req) => {
    const p = requireAuth(req);
    const body: WhoAmI = {
      actor: { type: p.actor.type, id: p.actor.id, email: p.actor.email, name: p.actor.name },
      admin: p.kind === 'user' && p.user.admin,
      apiKey:
        p.kind === 'apiKey'
          ? { id: p.apiKey.id, projectSlug: p.projectSlug, environmentSlug: p.environmentSlug, role: p.apiKey.role }
          : null,
    };
    return body;
  });
}
