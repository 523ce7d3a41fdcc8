import { liftedSlug, applySearch } from '../../src/audit/log-search-filter.js';
import { parseLogSearch } from '../../src/contract/log-search.js';
import type { AuditFilter } from '../../src/store/types.js';
import { actorEmail } from './generate.js';

/** The store filter of `q=` exactly as the log query service builds it (project:/environment: lifted, the rest applied). */
export function searchFilter(q: string, now: Date): AuditFilter {
  const r = parseLogSearch(q, 'audit');
  if (!r.ok) throw new Error(`${q}: ${r.error.message}`);
  const lifted = new Set<string>();
  const f: { project?: string; environment?: string } = {};
  const p = liftedSlug(r.query, 'project', undefined);
  if (p !== undefined) {
    f.project = p;
    lifted.add('project');
  }
  const e = liftedSlug(r.query, 'environment', undefined);
  if (e !== undefined) {
    f.environment = e;
    lifted.add('environment');
  }
  return applySearch<AuditFilter>(f, r.query, 'audit', now, lifted);
}

/** Page queries written in the search syntax (issue 20), on the generated log (bench/lib/generate.ts). */
export function searchCases(now: Date): [string, AuditFilter][] {
  const qs = [
    `event:SecretRead,SecretUpdated actor:${actorEmail(42)}`,
    'project:proj-3 -event:SecretRead',
    'project:proj-3 environment:prod resource:SECRET_1*',
    'outcome:Denied created:>-24h',
    'ip:10.1.3.0/24 event:SecretRead',
    'SECRET_7',
    'request:9000-000000000abc created:>-24h',
  ];
  return qs.map((q) => [`q=${q}`, searchFilter(q, now)]);
}
