import type { LoginResponse, WhoAmI } from '../contract/api.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, scopedCredential, type Authenticated, type OpContext } from '../kernel/context.js';
import { DomainError } from '../kernel/errors.js';
import type { Store } from '../store/ports.js';
import { requireUser } from './authenticator.js';
import { dummyHash, verifyPassword } from './passwords.js';
import type { LoginThrottle } from './throttle.js';
import { SESSION_TTL_MS, newSessionToken, sha256hex } from './tokens.js';
import { userView } from './user-service.js';

/** Logins (throttled, every try audited), logouts and "who am I". */
export function createSessionService(deps: { readonly store: Pick<Store, 'users'>; readonly uow: UnitOfWork; readonly clock: Clock; readonly throttle: LoginThrottle }) {
  const { store, uow, clock, throttle } = deps;
  return {
    /**
     * Checks the password and opens a session. A refusal records UserLoginFailed (Denied) under the
     * attempted email; the caller's address is op.ip. Returns the new principal with the token.
     */
    async login(op: OpContext, email: string, password: string): Promise<{ response: LoginResponse; principal: Authenticated }> {
      const ip = op.ip ?? 'unknown';
      const user = await store.users.getByEmail(email);
      const actor = { type: 'User' as const, id: user?.id ?? null, email, name: user?.name ?? null, ip: op.ip };
      // The attempt is counted before the (slow, awaited) hash check: concurrent guesses each take a
      // slot in the store's count, so no more than the limit ever reach verifyPassword.
      const committed = op.audit.committed;
      const wait = await uow.run(op, (tx) => throttle.reserve(tx, email, ip, clock().getTime()));
      // Bookkeeping, not the login: a 503 for a later failure must not say the operation was applied.
      op.audit.committed = committed;
      if (wait > 0) {
        op.audit.record({ event: 'UserLoginFailed', outcome: 'Denied', actor, resource: email, reason: 'throttled', details: { retryAfterSeconds: wait } });
        throw new DomainError('too_many_attempts', `too many failed logins; retry in ${wait} s`, { retryAfterSeconds: wait });
      }
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
      if (!user || !ok) {
        op.audit.record({ event: 'UserLoginFailed', outcome: 'Denied', actor, resource: email, reason: user ? 'wrong_password' : 'unknown_account' });
        throw new DomainError('invalid_credentials', 'email or password is wrong');
      }
      const token = newSessionToken();
      const now = clock();
      const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
      const principal: Authenticated = { kind: 'user', user, sessionHash: sha256hex(token), actor: { ...actor, id: user.id, name: user.name } };
      await uow.run(op, async (tx) => {
        await throttle.succeeded(tx, email, ip, now.getTime());
        await tx.users.insertSession({ tokenHash: sha256hex(token), userId: user.id, createdAt: now.toISOString(), expiresAt, revokedAt: null });
        op.audit.record({ event: 'UserLogin', actor: principal.actor, resource: user.email, details: { method: 'password', sessionExpiresAt: expiresAt } });
      });
      return { response: { token, expiresAt, user: userView(user) }, principal };
    },

    async logout(op: OpContext): Promise<void> {
      const p = requireUser(authenticated(op));
      await uow.run(op, async (tx) => {
        await tx.users.revokeSession(p.sessionHash, clock().toISOString());
        op.audit.record({ event: 'UserLogout', resource: p.user.email });
      });
    },

    whoami(op: OpContext): WhoAmI {
      const p = authenticated(op);
      return {
        actor: { type: p.actor.type, id: p.actor.id, email: p.actor.email, name: p.actor.name },
        admin: p.kind === 'user' && p.user.admin,
        apiKey: p.kind === 'apiKey' ? { id: p.apiKey.id, projectSlug: p.projectSlug, environmentSlug: p.environmentSlug, role: p.apiKey.role } : null,
        credential: scopedCredential(p),
      };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
