import type { AccessEntry, AuditEntry } from '../contract/entries.js';
import type { ActorType, EventType, Outcome } from '../contract/events.js';
import type { AccessDraft, AuditDraft } from './types.js';

/** Column order shared by both adapters for inserting log rows. */
export const AUDIT_COLUMNS = [
  'seq', 'id', 'ts', 'event', 'actor_type', 'actor_id', 'actor_email', 'actor_name', 'actor_ip',
  'project_slug', 'environment_slug', 'resource', 'outcome', 'request_id', 'user_agent', 'reason', 'details',
] as const;
export const ACCESS_COLUMNS = [
  'seq', 'id', 'ts', 'request_id', 'method', 'route', 'path', 'status', 'duration_ms', 'actor_type', 'actor_id',
  'actor_email', 'actor_name', 'actor_ip', 'user_agent', 'project_slug', 'environment_slug',
] as const;

export function auditValues(seq: number, e: AuditDraft, ts: string): unknown[] {
  return [
    seq, e.id, ts, e.event, e.actor.type, e.actor.id, e.actor.email, e.actor.name, e.actor.ip,
    e.projectSlug, e.environmentSlug, e.resource, e.outcome, e.requestId, e.userAgent, e.reason,
    JSON.stringify(e.details),
  ];
}
export function accessValues(seq: number, e: AccessDraft, ts: string): unknown[] {
  return [
    seq, e.id, ts, e.requestId, e.method, e.route, e.path, e.status, e.durationMs, e.actor.type, e.actor.id,
    e.actor.email, e.actor.name, e.actor.ip, e.userAgent, e.projectSlug, e.environmentSlug,
  ];
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));

export function auditFromRow(r: Row): AuditEntry {
  const details = typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : ((r.details ?? {}) as Record<string, unknown>);
  return {
    id: String(r.id),
    seq: Number(r.seq),
    timestamp: iso(r.ts),
    event: r.event as EventType,
    actor: {
      type: r.actor_type as ActorType,
      id: str(r.actor_id),
      email: str(r.actor_email),
      name: str(r.actor_name),
      ip: str(r.actor_ip),
    },
    projectSlug: str(r.project_slug),
    environmentSlug: str(r.environment_slug),
    resource: str(r.resource),
    outcome: r.outcome as Outcome,
    requestId: str(r.request_id),
    userAgent: str(r.user_agent),
    reason: str(r.reason),
    details,
  };
}

export function accessFromRow(r: Row): AccessEntry {
  return {
    id: String(r.id),
    seq: Number(r.seq),
    timestamp: iso(r.ts),
    requestId: String(r.request_id),
    method: String(r.method),
    route: str(r.route),
    path: String(r.path),
    status: Number(r.status),
    durationMs: Number(r.duration_ms),
    actor: {
      type: r.actor_type as ActorType,
      id: str(r.actor_id),
      email: str(r.actor_email),
      name: str(r.actor_name),
      ip: str(r.actor_ip),
    },
    userAgent: str(r.user_agent),
    projectSlug: str(r.project_slug),
    environmentSlug: str(r.environment_slug),
  };
}
