import type { EnvironmentRole, ProjectRole } from '../contract/roles.js';
import { authenticated, type Authenticated, type OpContext } from '../kernel/context.js';
import { notFound } from '../kernel/errors.js';
import { authorize, type AccessFacts, type Action } from '../identity/authorize.js';
import type { Store } from '../store/ports.js';
import type { EnvironmentRow, MemberRow, ProjectRow } from '../store/types.js';

/** A project (and environment) an operation addresses, with the facts its authorization was decided on. */
export interface Scope {
  readonly facts: AccessFacts;
  readonly project: ProjectRow;
  readonly environment: EnvironmentRow | null;
}
/** A scope with an environment (every secret and API-key operation). */
export type EnvScope = Scope & { readonly environment: EnvironmentRow };

export interface ScopeResolver {
  /**
   * Loads the project (and environment) and the caller's roles in it, then checks `action`. A
   * refusal throws forbidden with the machine-readable reason the Denied entry records.
   */
  resolve(op: OpContext, projectSlug: string, environmentSlug: null, action: Action): Promise<Scope>;
  resolve(op: OpContext, projectSlug: string, environmentSlug: string, action: Action): Promise<EnvScope>;
  /** The facts of an already loaded project from a membership list (rules re-checked inside a transaction). */
  factsFrom(op: OpContext, project: ProjectRow, environment: EnvironmentRow | null, members: readonly MemberRow[]): AccessFacts;
  /** The same for another principal than the operation's (what a member may still do after a change). */
  factsOf(principal: Authenticated, project: ProjectRow, environment: EnvironmentRow | null, members: readonly MemberRow[]): AccessFacts;
}

function facts(principal: Authenticated, project: ProjectRow, environment: EnvironmentRow | null, mine: readonly MemberRow[]): AccessFacts {
  let projectRole: ProjectRole | null = null;
  let environmentRole: EnvironmentRole | null = null;
  let environmentRestricted = false;
  let hasAnyEnvironmentRole = false;
  if (principal.kind === 'user') {
    projectRole = (mine.find((m) => m.environmentId === null)?.role as ProjectRole | undefined) ?? null;
    hasAnyEnvironmentRole = mine.some((m) => m.environmentId !== null);
    if (environment) {
      environmentRole = (mine.find((m) => m.environmentId === environment.id)?.role as EnvironmentRole | undefined) ?? null;
      if (!environmentRole) environmentRestricted = environment.restricted;
    }
  }
  return { principal, projectSlug: project.slug, environmentSlug: environment?.slug ?? null, projectRole, environmentRole, environmentRestricted, hasAnyEnvironmentRole };
}

export function createScopeResolver(deps: { readonly store: Pick<Store, 'projects' | 'members'> }): ScopeResolver {
  const { store } = deps;
  async function resolve(op: OpContext, projectSlug: string, environmentSlug: string | null, action: Action): Promise<Scope> {
    const principal = authenticated(op);
    // An API key, lease or trust token acting in its own project and environment already loaded both while authenticating.
    const own = (principal.kind === 'apiKey' || principal.kind === 'lease' || principal.kind === 'trustToken') && principal.projectSlug === projectSlug ? principal : null;
    const project = own ? own.project : await store.projects.getBySlug(projectSlug);
    if (!project) throw notFound(`project ${projectSlug}`);
    const environment =
      environmentSlug === null
        ? null
        : own && own.environmentSlug === environmentSlug
          ? own.environment
          : await store.projects.getEnvironment(project.id, environmentSlug);
    if (environmentSlug !== null && !environment) throw notFound(`environment ${environmentSlug} in project ${projectSlug}`);
    const mine = principal.kind === 'user' ? (await store.members.listOfUser(principal.user.id)).filter((m) => m.projectId === project.id) : [];
    const f = facts(principal, project, environment, mine);
    authorize(f, action);
    return { facts: f, project, environment };
  }
  return {
    resolve: resolve as ScopeResolver['resolve'],
    factsFrom(op, project, environment, members) {
      return this.factsOf(authenticated(op), project, environment, members);
    },
    factsOf(principal, project, environment, members) {
      const mine = principal.kind === 'user' ? members.filter((m) => m.userId === principal.user.id) : [];
      return facts(principal, project, environment, mine);
    },
  };
}
