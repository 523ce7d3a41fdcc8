import { decide } from '../identity/authorize.js';
import { authenticated, type OpContext } from '../kernel/context.js';
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
): Promise<Pick<LogFilterBase, 'projectIn' | 'includeInstance'>> {
  const p = authenticated(op);
  if (project !== undefined) {
    await deps.scopes.resolve(op, project, null, 'logs.read');
    return {};
  }
  if (p.kind === 'system' || (p.kind === 'user' && p.user.admin)) return {};
  if (p.kind === 'apiKey') {
    const d = decide(
      { principal: p, projectSlug: p.projectSlug, environmentSlug: null, projectRole: null, environmentRole: null, environmentRestricted: false, hasAnyEnvironmentRole: false },
      'logs.read',
    );
    return { projectIn: d.allowed ? [p.projectSlug] : [] };
  }
  // A lease or a trust token never reads logs (neither may logs.read).
  if (p.kind !== 'user') return { projectIn: [] };
  const mine = await deps.store.members.listOfUser(p.user.id);
  const ids = new Set(mine.filter((m) => m.environmentId === null && LOG_ROLES.has(m.role)).map((m) => m.projectId));
  const projects = await deps.store.projects.list();
  return { projectIn: projects.filter((x) => ids.has(x.id)).map((x) => x.slug) };
}
