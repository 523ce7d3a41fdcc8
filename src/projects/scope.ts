import type { FastifyRequest } from 'fastify';
import type { EnvironmentRole, ProjectRole } from '../contract/roles.js';
import type { AppDeps } from '../http/deps.js';
import { notFound } from '../http/errors.js';
import { requireAuth } from '../identity/authenticate.js';
import { authorize, type AccessFacts, type Action } from '../identity/authorize.js';
import type { EnvironmentRow, ProjectRow } from '../store/types.js';

export interface Scope {
  readonly facts: AccessFacts;
  readonly project: ProjectRow;
  readonly environment: EnvironmentRow | null;
}

/**
 * Loads the project (and environment) a request addresses and the caller's roles in it, then
 * checks `action`. A refusal throws 403 and, on auditable routes, is recorded as Denied.
 */
export async function authorizeScope(
  deps: AppDeps,
  req: FastifyRequest,
  projectSlug: string,
  environmentSlug: string | null,
  action: Action,
): Promise<Scope> {
  const principal = requireAuth(req);
  // An API key acting in its own project and environment already loaded both while authenticating.
  const own = principal.kind === 'apiKey' && principal.projectSlug === projectSlug ? principal : null;
  const project = own ? own.project : await deps.store.projects.getBySlug(projectSlug);
  if (!project) throw notFound(`project ${projectSlug}`);
  const environment =
    environmentSlug === null
      ? null
      : own && own.environmentSlug === environmentSlug
        ? own.environment
        : await deps.store.projects.getEnvironment(project.id, environmentSlug);
  if (environmentSlug !== null && !environment) throw notFound(`environment ${environmentSlug} in project ${projectSlug}`);
  let projectRole: ProjectRole | null = null;
  let environmentRole: EnvironmentRole | null = null;
  let environmentRestricted = false;
  let hasAnyEnvironmentRole = false;
  if (principal.kind === 'user') {
    const mine = (await deps.store.members.listOfUser(principal.user.id)).filter((m) => m.projectId === project.id);
    projectRole = (mine.find((m) => m.environmentId === null)?.role as ProjectRole | undefined) ?? null;
    hasAnyEnvironmentRole = mine.some((m) => m.environmentId !== null);
    if (environment) {
      environmentRole = (mine.find((m) => m.environmentId === environment.id)?.role as EnvironmentRole | undefined) ?? null;
      if (!environmentRole) {
        environmentRestricted = (await deps.store.members.listOfProject(project.id)).some((m) => m.environmentId === environment.id);
      }
    }
  }
  const facts: AccessFacts = {
    principal,
    projectSlug,
    environmentSlug,
    projectRole,
    environmentRole,
    environmentRestricted,
    hasAnyEnvironmentRole,
  };
  authorize(facts, action);
  return { facts, project, environment };
}
