import type { AccessDraft, AuditDraft } from '../../src/store/types.js';

/** A unit as the server produces for an audited secret read: one audit row and one access row. */
export function readUnitRows(i: number, now: string): { audit: AuditDraft; access: AccessDraft } {
  const hex = i.toString(16).padStart(12, '0');
  const requestId = `00000000-0000-4000-8000-${hex}`;
  const actor = { type: 'ApiKey' as const, id: '0123456789abcdef', email: null, name: 'ci-deploy', ip: '127.0.0.1' };
  return {
    audit: {
      id: `a0000000-0000-4000-8000-${hex}`, timestamp: now, event: 'SecretRead', actor,
      projectSlug: 'bench', environmentSlug: 'prod', resource: 'DATABASE_URL', outcome: 'Success', requestId,
      userAgent: 'autocannon/8', reason: null, details: { version: 3 },
    },
    access: {
      id: `c0000000-0000-4000-8000-${hex}`, timestamp: now, requestId, method: 'GET',
      route: '/api/v1/projects/:project/environments/:env/secrets/:key', path: '/api/v1/projects/bench/environments/prod/secrets/DATABASE_URL',
      status: 200, durationMs: 1.23, actor, userAgent: 'autocannon/8', projectSlug: 'bench', environmentSlug: 'prod',
    },
  };
}
