import type { AuditEntry } from '../contract/entries.js';
import type { StreamFilter } from '../contract/streams.js';

/**
 * Which entries a stream delivers: the log queries' filter (projects, environments, events, outcome),
 * within the stream's own scope. A project stream sees only its project's entries (never instance
 * events); an instance stream sees everything, instance events included unless `projects` narrows it.
 */
export function streamMatches(e: AuditEntry, scope: { readonly project: string | null; readonly filter: StreamFilter }): boolean {
  const f = scope.filter;
  if (scope.project !== null && e.projectSlug !== scope.project) return false;
  if (f.projects && f.projects.length > 0 && (e.projectSlug === null || !f.projects.includes(e.projectSlug))) return false;
  if (f.environments && f.environments.length > 0 && (e.environmentSlug === null || !f.environments.includes(e.environmentSlug))) return false;
  if (f.events && f.events.length > 0 && !f.events.includes(e.event)) return false;
  if (f.outcome && e.outcome !== f.outcome) return false;
  return true;
}
