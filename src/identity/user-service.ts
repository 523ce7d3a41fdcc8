import { randomUUID } from 'node:crypto';
import type { UserView } from '../contract/api.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { conflict, forbidden } from '../kernel/errors.js';
import type { Store } from '../store/ports.js';
import type { UserRow } from '../store/types.js';
import { requireUser } from './authenticator.js';
import { hashPassword } from './passwords.js';

export const userView = (u: UserRow): UserView => ({ id: u.id, email: u.email, name: u.name, admin: u.admin, createdAt: u.createdAt });

function requireAdmin(op: OpContext, action: string): void {
  const p = authenticated(op);
  if (p.kind === 'system') return;
  if (!requireUser(p).user.admin) throw forbidden(`only an instance admin can ${action}`, 'admin_required');
}

/** Users: created by the instance admin (or by the System at bootstrap). */
export function createUserService(deps: { readonly store: Pick<Store, 'users'>; readonly uow: UnitOfWork; readonly clock: Clock }) {
  const { store, uow, clock } = deps;
  return {
    async create(op: OpContext, input: { email: string; name: string; password: string; admin?: boolean }, extra: Record<string, unknown> = {}): Promise<UserView> {
      op.audit.setScope({ resource: input.email });
      requireAdmin(op, 'create users');
      if (await store.users.getByEmail(input.email)) throw conflict(`a user with email ${input.email} already exists`);
      const user: UserRow = {
        id: randomUUID(), email: input.email, name: input.name, passwordHash: await hashPassword(input.password), admin: input.admin ?? false, createdAt: clock().toISOString(),
      };
      await uow.run(op, async (tx) => {
        await tx.users.insert(user);
        op.audit.record({ event: 'UserCreated', resource: user.email, projectSlug: null, environmentSlug: null, details: { userId: user.id, admin: user.admin, ...extra } });
      });
      return userView(user);
    },

    async list(op: OpContext): Promise<UserView[]> {
      requireAdmin(op, 'list users');
      return (await store.users.list()).map(userView);
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
