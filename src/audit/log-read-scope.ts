import { decide } from '../identity/authorize.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { DomainError, forbidden } from '../kernel/errors.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { Store } from '../store/ports.js';
import type { LogFilterBase } from '../store/types.js';

const LOG_ROLES = new Set(['OWNER', 'PROJECT_MANAGER', 'AUDITOR']);

/**
 * Which entries a caller may read: the instance admin reads everything (instance events included);
 * OWNER, PROJECT_MANAGER and AUDITOR read their projects'; an AUDITOR API key reads its project's.
 */
export async function logReadScope(
  deps: { readonly store: Pick<Store, 'members' | 'projects'>; readonly scopes: ScopeResolver },
  op: OpContext,
  project: string | undefined,
  environment?: string,
): Promise<Pick<LogFilterBase, 'projectIn' | 'includeInstance'>> {
  const p = authenticated(op);
  if (project !== undefined) {
    const s = await deps.scopes.resolve(op, project, null, 'logs.read');
    // A misspelt environment would match nothing and look like a quiet log: say which ones exist
    // (only to a caller who may read the project's logs, so it probes nothing).
    if (environment !== undefined && !(await deps.store.projects.getEnvironment(s.project.id, environment))) {
      const envs = (await deps.store.projects.listEnvironments(s.project.id)).map((e) => e.slug);
      throw new DomainError('not_found', `environment ${environment} not found in project ${project}; its environments: ${envs.join(', ') || '(none)'}`, { details: { environments: envs } });
    }
    return {};
  }
  if (p.kind === 'system' || (p.kind === 'user' && p.user.admin)) return {};
  if (p.kind === 'apiKey') {
    const d = decide(
      { principal: p, projectSlug: p.projectSlug, environmentSlug: null, projectRole: null, environmentRole: null, environmentRestricted: false, hasAnyEnvironmentRole: false },
      'logs.read',
    );
    if (!d.allowed) {
      throw forbidden(`this API key (role ${p.apiKey.role}) may not read logs: only an AUDITOR key reads its project's logs`, 'insufficient_role');
    }
    return { projectIn: [p.projectSlug] };
  }
  // A lease or a trust token never reads logs (neither may logs.read).
  if (p.kind !== 'user') throw forbidden('a lease or trust token may not read logs', 'insufficient_role');
  const mine = await deps.store.members.listOfUser(p.user.id);
  const ids = new Set(mine.filter((m) => m.environmentId === null && LOG_ROLES.has(m.role)).map((m) => m.projectId));
  const projects = await deps.store.projects.list();
  const readable = projects.filter((x) => ids.has(x.id)).map((x) => x.slug);
  // Reading nothing is a refusal, not an empty log: "No entries match" would say the log is quiet.
  if (readable.length === 0) {
    throw forbidden(
      'you may read no project\'s logs: that takes the OWNER, PROJECT_MANAGER or AUDITOR role in a project (ask one of its owners)',
      mine.length === 0 ? 'not_a_member' : 'insufficient_role',
    );
  }
  return { projectIn: readable };
}
