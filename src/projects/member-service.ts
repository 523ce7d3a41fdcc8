import type { MemberView } from '../contract/api.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import { API_KEY_ACTIONS, authorize, decide, REACHES_EVERY_ENVIRONMENT, type AccessFacts, type Action } from '../identity/authorize.js';
import type { Clock } from '../kernel/clock.js';
import { SYSTEM_ACTOR, type Authenticated, type OpContext } from '../kernel/context.js';
import { DomainError, conflict, forbidden, notFound } from '../kernel/errors.js';
import type { ProjectRole } from '../contract/roles.js';
import type { Store, StoreTx } from '../store/ports.js';
import type { MemberRow, UserRow } from '../store/types.js';
import type { Scope, ScopeResolver } from './scope.js';

export interface MemberChange {
  readonly email: string;
  readonly name: string;
  readonly role: string;
  readonly environmentSlug: string | null;
  readonly changed: boolean;
}

const projectRoleOf = (members: readonly MemberRow[], userId: string) =>
  (members.find((m) => m.userId === userId && m.environmentId === null)?.role as ProjectRole | undefined) ?? null;
const owners = (members: readonly MemberRow[]) => members.filter((m) => m.environmentId === null && m.role === 'OWNER').length;
const isAdmin = (f: AccessFacts) => f.principal.kind === 'system' || (f.principal.kind === 'user' && f.principal.user.admin);

/** Only an OWNER (or the instance admin) may grant, change or remove the OWNER role. */
function guardOwnerRole(f: AccessFacts, roles: readonly (string | null)[]): void {
  if (roles.includes('OWNER') && f.projectRole !== 'OWNER' && !isAdmin(f)) {
    throw forbidden('only an OWNER can grant or remove the OWNER role', 'owner_required');
  }
}

/**
 * An OWNER or PROJECT_MANAGER reaches every environment as its owner; an environment role on them
 * would change nothing, and from a lesser role it is an attempt to demote them.
 */
function guardEnvironmentTarget(f: AccessFacts, targetRole: ProjectRole | null, email: string, project: string): void {
  if (!targetRole || !REACHES_EVERY_ENVIRONMENT.has(targetRole)) return;
  if (targetRole === 'OWNER' && f.projectRole !== 'OWNER' && !isAdmin(f)) {
    throw forbidden(`only an OWNER can change the access of ${email}, an OWNER of ${project}`, 'owner_required');
  }
  throw conflict(`${email} is ${targetRole} of ${project} and reaches every environment as ENVIRONMENT_OWNER; change the project role instead`);
}

/**
 * Project and environment memberships. Every rule (the caller's right, the OWNER rules, the last
 * OWNER) is checked inside the transaction that applies the change, on the memberships as that
 * transaction sees them with the project locked: two OWNERs removing each other at the same moment
 * cannot both succeed.
 */
export function createMemberService(deps: {
  readonly store: Pick<Store, 'users' | 'projects' | 'members'>;
  readonly scopes: ScopeResolver;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}) {
  const { store, scopes, uow, clock } = deps;

  /**
   * Access must not outlive its reason: the keys a member created in the project that now carry more
   * than the member may do (all of them once removed) are revoked in the same transaction, each an
   * ApiKeyRevoked entry by the System actor.
   */
  async function revokeOutlivedKeys(op: OpContext, tx: StoreTx, s: Scope, user: UserRow, after: readonly MemberRow[], cause: 'member_removed' | 'member_demoted') {
    const principal: Authenticated = { kind: 'user', user, sessionHash: '', actor: { type: 'User', id: user.id, email: user.email, name: user.name, ip: null } };
    for (const key of await tx.apiKeys.listActiveByCreator(s.project.id, user.email)) {
      const env = await store.projects.getEnvironmentById(key.environmentId);
      if (!env) continue;
      const f = scopes.factsOf(principal, s.project, env, after);
      const still = (API_KEY_ACTIONS[key.role] ?? []).every((a) => decide(f, a).allowed);
      if (still) continue;
      await tx.apiKeys.revoke(key.id, clock().toISOString());
      op.audit.record({
        event: 'ApiKeyRevoked', actor: SYSTEM_ACTOR, environmentSlug: env.slug, resource: key.id,
        details: { name: key.name, role: key.role, reason: cause, member: user.email },
      });
    }
  }

  async function prepare(op: OpContext, project: string, environment: string | null, email: string) {
    const action: Action = environment === null ? 'member.manage' : 'environment.member.manage';
    // Checked once outside too: a caller without the right is refused before anything is locked.
    const s: Scope = environment === null ? await scopes.resolve(op, project, null, action) : await scopes.resolve(op, project, environment, action);
    const user = await store.users.getByEmail(email);
    if (!user) throw notFound(`user ${email} (an instance admin creates users with POST /api/v1/users)`);
    return { s, user, action };
  }

  /** The caller's facts re-read on the locked memberships, and the right checked again on them. */
  function recheck(op: OpContext, s: Scope, members: readonly MemberRow[], action: Action): AccessFacts {
    const f = scopes.factsFrom(op, s.project, s.environment, members);
    authorize(f, action);
    return f;
  }

  return {
    async list(op: OpContext, project: string): Promise<MemberView[]> {
      const s = await scopes.resolve(op, project, null, 'project.read');
      const envs = new Map((await store.projects.listEnvironments(s.project.id)).map((e) => [e.id, e.slug]));
      return (await store.members.listOfProject(s.project.id)).map((m) => ({
        email: m.email, name: m.name, role: m.role, environmentSlug: m.environmentId ? (envs.get(m.environmentId) ?? null) : null,
      }));
    },

    async put(op: OpContext, project: string, environment: string | null, email: string, role: string): Promise<MemberChange> {
      const { s, user, action } = await prepare(op, project, environment, email);
      const env = s.environment;
      const scope = env ? 'environment' : 'project';
      return uow.run(op, async (tx) => {
        const members = await tx.members.lockProject(s.project.id);
        const f = recheck(op, s, members, action);
        const prev = members.find((m) => m.userId === user.id && m.environmentId === (env?.id ?? null))?.role ?? null;
        if (env === null) guardOwnerRole(f, [role, prev]);
        else guardEnvironmentTarget(f, projectRoleOf(members, user.id), user.email, s.project.slug);
        const result = { email: user.email, name: user.name, role, environmentSlug: env?.slug ?? null };
        if (prev === role) return { ...result, changed: false };
        if (env === null && prev === 'OWNER' && owners(members) === 1) {
          throw conflict(`${email} is the last OWNER of ${s.project.slug}; add another OWNER first`);
        }
        await tx.members.upsert(s.project.id, env?.id ?? null, user.id, role);
        if (prev === null) op.audit.record({ event: 'MemberAdded', resource: user.email, details: { role, scope } });
        else op.audit.record({ event: 'MemberRoleChanged', resource: user.email, details: { from: prev, to: role, scope } });
        // The first environment member restricts the environment, until an owner lifts it.
        if (env && (await tx.projects.setRestricted(env.id, true))) {
          op.audit.record({ event: 'RestrictionChanged', resource: env.slug, details: { restricted: true, cause: 'first environment member' } });
        }
        if (prev !== null) await revokeOutlivedKeys(op, tx, s, user, await tx.members.lockProject(s.project.id), 'member_demoted');
        return { ...result, changed: true };
      });
    },

    async remove(op: OpContext, project: string, environment: string | null, email: string): Promise<void> {
      const { s, user, action } = await prepare(op, project, environment, email);
      const env = s.environment;
      await uow.run(op, async (tx) => {
        const members = await tx.members.lockProject(s.project.id);
        const f = recheck(op, s, members, action);
        const prev = members.find((m) => m.userId === user.id && m.environmentId === (env?.id ?? null))?.role ?? null;
        if (prev === null) throw new DomainError('not_found', `${email} is not a member of ${s.project.slug}${env ? `/${env.slug}` : ''}`);
        if (env === null) guardOwnerRole(f, [prev]);
        if (env === null && prev === 'OWNER' && owners(members) === 1) {
          throw conflict(`${email} is the last OWNER of ${s.project.slug}; add another OWNER first`);
        }
        await tx.members.delete(s.project.id, env?.id ?? null, user.id);
        op.audit.record({ event: 'MemberRemoved', resource: user.email, details: { role: prev, scope: env ? 'environment' : 'project' } });
        await revokeOutlivedKeys(op, tx, s, user, await tx.members.lockProject(s.project.id), 'member_removed');
      });
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;
