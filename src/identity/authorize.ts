import type { EnvironmentRole, ProjectRole } from '../contract/roles.js';
import type { Authenticated } from '../kernel/context.js';
import { DomainError, type DeniedReason } from '../kernel/errors.js';

/** Everything a caller may try on a project. docs/roles.md shows this matrix; authorize.test.ts checks it. */
export const ACTIONS = [
  'project.read',
  'environment.create',
  'member.manage',
  'environment.member.manage',
  'secret.list',
  'secret.read',
  'secret.write',
  'apikey.manage',
  'logs.read',
  'ssh.sign',
  'ssh.manage',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What an action lets one do, as refusals say it ("may not write secrets"), instead of the internal name. */
export const ACTION_PHRASES: Readonly<Record<Action, string>> = {
  'project.read': 'see this project',
  'environment.create': 'create environments',
  'member.manage': 'manage members',
  'environment.member.manage': "manage the environment's members",
  'secret.list': 'list secrets',
  'secret.read': 'read secret values',
  'secret.write': 'write or delete secrets',
  'apikey.manage': 'manage API keys, leases or trust domains',
  'logs.read': 'read the logs',
  'ssh.sign': 'have SSH keys signed',
  'ssh.manage': 'manage SSH roles',
};
const mayNot = (action: Action) => `may not ${ACTION_PHRASES[action]}`;

/** Actions decided by the caller's role in one environment (after restriction). */
const ENV_ACTIONS: Readonly<Record<EnvironmentRole, readonly Action[]>> = {
  ENVIRONMENT_OWNER: ['secret.list', 'secret.read', 'secret.write', 'apikey.manage', 'environment.member.manage', 'ssh.sign', 'ssh.manage'],
  MEMBER: ['secret.list', 'secret.read', 'secret.write', 'ssh.sign'],
  CONSUMER: ['secret.list', 'secret.read'],
};
/** Actions decided by the project role alone. */
const PROJECT_ACTIONS: Readonly<Record<ProjectRole, readonly Action[]>> = {
  OWNER: ['project.read', 'environment.create', 'member.manage', 'environment.member.manage', 'apikey.manage', 'logs.read'],
  PROJECT_MANAGER: ['project.read', 'environment.create', 'member.manage', 'environment.member.manage', 'apikey.manage', 'logs.read'],
  MEMBER: ['project.read'],
  CONSUMER: ['project.read'],
  AUDITOR: ['project.read', 'logs.read'],
};
/** How a project role reaches an environment that has no environment-level members. */
const INHERITED: Readonly<Record<ProjectRole, EnvironmentRole | null>> = {
  OWNER: 'ENVIRONMENT_OWNER',
  PROJECT_MANAGER: 'ENVIRONMENT_OWNER',
  MEMBER: 'MEMBER',
  CONSUMER: 'CONSUMER',
  AUDITOR: null,
};
/** What an API key of each role may do (within its own project and environment). */
export const API_KEY_ACTIONS: Readonly<Record<string, readonly Action[]>> = {
  MEMBER: ['secret.list', 'secret.read', 'secret.write', 'ssh.sign'],
  CONSUMER: ['secret.list', 'secret.read'],
  AUDITOR: ['logs.read'],
};
/** What a lease may do: list and read the keys of its scope, nothing else (it is read only). */
export const LEASE_ACTIONS: readonly Action[] = ['secret.list', 'secret.read'];

/** The instance admin administers every project but reads secret values only through a membership. */
const ADMIN_ACTIONS: readonly Action[] = ['project.read', 'environment.create', 'member.manage', 'environment.member.manage', 'apikey.manage', 'logs.read', 'ssh.manage'];

/** The facts a decision needs, loaded by the route from the store. */
export interface AccessFacts {
  readonly principal: Authenticated;
  readonly projectSlug: string;
  readonly environmentSlug: string | null;
  readonly projectRole: ProjectRole | null;
  /** The caller's own role in this environment, if any */
  readonly environmentRole: EnvironmentRole | null;
  /** The environment has environment-level members, so project MEMBER/CONSUMER roles no longer reach it */
  readonly environmentRestricted: boolean;
  /** The caller has some environment membership in this project (grants project.read) */
  readonly hasAnyEnvironmentRole: boolean;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: DeniedReason; readonly message: string };

const ENV_SCOPED: ReadonlySet<Action> = new Set(['secret.list', 'secret.read', 'secret.write', 'apikey.manage', 'environment.member.manage', 'ssh.sign', 'ssh.manage']);

/** Project roles that reach every environment as ENVIRONMENT_OWNER, whatever the environment's own members say. */
export const REACHES_EVERY_ENVIRONMENT: ReadonlySet<ProjectRole> = new Set(['OWNER', 'PROJECT_MANAGER']);

export function effectiveEnvironmentRole(f: AccessFacts): EnvironmentRole | null {
  // An environment role never demotes an OWNER or PROJECT_MANAGER (docs/roles.md): they always reach it as its owner.
  if (f.projectRole && REACHES_EVERY_ENVIRONMENT.has(f.projectRole)) return 'ENVIRONMENT_OWNER';
  if (f.environmentRole) return f.environmentRole;
  if (!f.projectRole) return null;
  const inherited = INHERITED[f.projectRole];
  if (f.environmentRestricted && inherited !== 'ENVIRONMENT_OWNER') return null;
  return inherited;
}

export function decide(f: AccessFacts, action: Action): Decision {
  const p = f.principal;
  // The server's own work (workers, bootstrap) acts for the instance; it is never a caller's choice.
  if (p.kind === 'system') return { allowed: true };
  if (p.kind === 'apiKey') {
    if (p.projectSlug !== f.projectSlug || (ENV_SCOPED.has(action) && p.environmentSlug !== f.environmentSlug)) {
      return { allowed: false, reason: 'api_key_scope', message: `this API key is scoped to ${p.projectSlug}/${p.environmentSlug}` };
    }
    if ((API_KEY_ACTIONS[p.apiKey.role] ?? []).includes(action) || (action === 'project.read')) return { allowed: true };
    return { allowed: false, reason: 'insufficient_role', message: `an API key with role ${p.apiKey.role} ${mayNot(action)}` };
  }
  if (p.kind !== 'user') {
    const lease = p.kind === 'lease';
    const scopeReason = lease ? 'lease_scope' : 'trust_token_scope';
    if (p.projectSlug !== f.projectSlug || (ENV_SCOPED.has(action) && p.environmentSlug !== f.environmentSlug)) {
      return { allowed: false, reason: scopeReason, message: `this ${lease ? 'lease' : 'trust token'} is scoped to ${p.projectSlug}/${p.environmentSlug}` };
    }
    const may = lease ? LEASE_ACTIONS : (API_KEY_ACTIONS[p.token.role] ?? []);
    if (may.includes(action) || action === 'project.read') return { allowed: true };
    return lease
      ? { allowed: false, reason: 'lease_scope', message: `a lease is read only: it ${mayNot(action)}` }
      : { allowed: false, reason: 'insufficient_role', message: `a trust token with role ${p.token.role} ${mayNot(action)}` };
  }
  const admin = p.user.admin && ADMIN_ACTIONS.includes(action);
  if (admin) return { allowed: true };
  if (!f.projectRole && !f.hasAnyEnvironmentRole) {
    return { allowed: false, reason: 'not_a_member', message: `you are not a member of project ${f.projectSlug}` };
  }
  if (f.projectRole && PROJECT_ACTIONS[f.projectRole].includes(action)) return { allowed: true };
  if (action === 'project.read') return { allowed: true };
  if (ENV_SCOPED.has(action) && f.environmentSlug !== null) {
    const role = effectiveEnvironmentRole(f);
    if (role && ENV_ACTIONS[role].includes(action)) return { allowed: true };
    if (!role && f.environmentRestricted) {
      return { allowed: false, reason: 'environment_restricted', message: `environment ${f.environmentSlug} is restricted to its own members` };
    }
    return { allowed: false, reason: 'insufficient_role', message: `your role (${role ?? f.projectRole ?? 'none'}) ${mayNot(action)} in ${f.projectSlug}/${f.environmentSlug}` };
  }
  return { allowed: false, reason: 'insufficient_role', message: `your role (${f.projectRole ?? 'environment member'}) ${mayNot(action)} in project ${f.projectSlug}` };
}

/** Throws a 403 whose reason lands in the Denied audit entry. */
export function authorize(f: AccessFacts, action: Action): void {
  const d = decide(f, action);
  if (!d.allowed) throw new DomainError('forbidden', d.message, { reason: d.reason, action });
}
