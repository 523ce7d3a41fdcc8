import type { AccessEntry, AuditEntry } from '../../contract/entries.js';
import type { ActorType, EventType, Outcome } from '../../contract/events.js';
import type { AccessFilter, AuditFilter, LogFilterBase, Store } from '../types.js';
import { accessDraft, auditDraft, pick, prng } from './fixtures.js';

/*
 * The in-memory reference semantics of the log filters, and the seeded logs both log conformance files
 * query against it.
 */

export const PROJECTS = ['alpha', 'beta', null] as const;
export const ENVS = ['prod', 'dev', null] as const;
export const ACTORS = [
  { type: 'User' as ActorType, id: 'u-1', email: 'Alice@Example.com', name: 'Alice', ip: '10.0.0.1' },
  { type: 'User' as ActorType, id: 'u-2', email: 'bob@example.com', name: 'Bob', ip: '10.0.0.2' },
  { type: 'ApiKey' as ActorType, id: 'key-9', email: null, name: 'ci', ip: '10.0.0.3' },
  { type: 'System' as ActorType, id: null, email: null, name: 'bella-server', ip: null },
];
export const EVENTS: EventType[] = ['SecretRead', 'SecretUpdated', 'UserLogin', 'MemberAdded'];
export const OUTCOMES: Outcome[] = ['Success', 'Denied'];
export const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000 + n * 1234).toISOString();

/** The reference semantics of LogFilterBase, applied in memory. */
export function matchBase(f: LogFilterBase, e: AuditEntry | AccessEntry): boolean {
  if (f.projectIn && !(f.projectIn.includes(e.projectSlug as string) || (f.includeInstance && e.projectSlug === null))) return false;
  if (f.project !== undefined && e.projectSlug !== f.project) return false;
  if (f.environment !== undefined && e.environmentSlug !== f.environment) return false;
  if (f.since !== undefined && e.timestamp < f.since) return false;
  if (f.until !== undefined && e.timestamp >= f.until) return false;
  if (f.actor !== undefined) {
    const a = e.actor;
    if (!(a.email?.toLowerCase() === f.actor.toLowerCase() || a.name === f.actor || a.id === f.actor)) return false;
  }
  if (f.actorType !== undefined && e.actor.type !== f.actorType) return false;
  if (f.client !== undefined && e.actor.client !== f.client) return false;
  if (f.requestId !== undefined && e.requestId !== f.requestId) return false;
  if (f.beforeSeq !== undefined && e.seq >= f.beforeSeq) return false;
  return true;
}
export const matchAudit = (f: AuditFilter, e: AuditEntry) =>
  matchBase(f, e) && (!f.events?.length || f.events.includes(e.event)) && (f.outcome === undefined || e.outcome === f.outcome) &&
  (f.resource === undefined || e.resource === f.resource);
export const matchAccess = (f: AccessFilter, e: AccessEntry) =>
  matchBase(f, e) && (f.method === undefined || e.method === f.method) && (f.status === undefined || e.status === f.status) &&
  (f.path === undefined || e.path === f.path);

/** 12 batches of 5 units, one audit and one access row each (seq 1..60, day(n) timestamps); both logs newest first. */
export async function seed(store: Store): Promise<{ audit: AuditEntry[]; access: AccessEntry[] }> {
  const r = prng(7);
  for (let b = 0; b < 12; b++) {
    const units = Array.from({ length: 5 }, (_, u) => {
      const n = b * 5 + u;
      const project = pick(r, PROJECTS);
      const actor = { ...pick(r, ACTORS), client: pick(r, ['app-a', 'app-b', null]) };
      const common = { projectSlug: project, environmentSlug: project ? pick(r, ENVS) : null, actor, timestamp: day(n) };
      return {
        audit: [auditDraft({ ...common, event: pick(r, EVENTS), outcome: pick(r, OUTCOMES), resource: pick(r, ['A', 'B', null]), requestId: `req-${n}` })],
        access: [accessDraft({ ...common, requestId: `req-${n}`, method: pick(r, ['GET', 'PUT']), status: pick(r, [200, 403, 503]), path: pick(r, ['/a', '/b']) })],
      };
    });
    await store.commitBatch(units);
  }
  return { audit: await store.auditLog.query({}, 1000), access: await store.accessLog.query({}, 1000) };
}

export function randomBase(r: () => number): LogFilterBase {
  const f: Record<string, unknown> = {};
  if (r() < 0.25) f.projectIn = r() < 0.2 ? [] : ['alpha', 'beta'].filter(() => r() < 0.6);
  if (f.projectIn && r() < 0.5) f.includeInstance = true;
  if (r() < 0.25) f.project = pick(r, ['alpha', 'beta', 'gamma']);
  if (r() < 0.25) f.environment = pick(r, ['prod', 'dev']);
  if (r() < 0.3) f.since = day(Math.floor(r() * 60));
  if (r() < 0.3) f.until = day(Math.floor(r() * 60));
  if (r() < 0.3) f.actor = pick(r, ['alice@example.COM', 'Bob', 'key-9', 'bella-server', 'nobody']);
  if (r() < 0.25) f.actorType = pick(r, ['User', 'ApiKey', 'System']);
  if (r() < 0.1) f.requestId = `req-${Math.floor(r() * 60)}`;
  if (r() < 0.2) f.client = pick(r, ['app-a', 'app-b', 'nobody']);
  if (r() < 0.3) f.beforeSeq = 1 + Math.floor(r() * 61);
  return f as LogFilterBase;
}
