import type { AccessEntry, AuditEntry } from '../contract/entries.js';
import type { ActorType, EventType, Outcome } from '../contract/events.js';
import type { AuditLeafEntry } from './ports.js';
import type { AccessDraft, ApiKeyRow, AuditDraft, EnvironmentRow, IssuedTokenRow, MemberRow, ProjectRow, SecretRow, SecretVersionRow, SessionRow, TrustDomainRow, UserRow } from './types.js';

/** Column order shared by both adapters for inserting log rows. */
export const AUDIT_COLUMNS = [
  'seq', 'id', 'ts', 'event', 'actor_type', 'actor_id', 'actor_email', 'actor_name', 'actor_ip',
  'project_slug', 'environment_slug', 'resource', 'outcome', 'request_id', 'user_agent', 'reason', 'details', 'client',
  'personal_salt', 'personal_hash',
] as const;
export const ACCESS_COLUMNS = [
  'seq', 'id', 'ts', 'request_id', 'method', 'route', 'path', 'status', 'duration_ms', 'actor_type', 'actor_id',
  'actor_email', 'actor_name', 'actor_ip', 'user_agent', 'project_slug', 'environment_slug', 'client',
] as const;

/**
 * An audit row's values in AUDIT_COLUMNS order. `details` is the JSON text as stored (the batch runner
 * computes the Merkle leaf from the same text); the personal salt and hash commit the personal fields
 * (integrity/canonical.ts) and are null only for rows written outside the unit of work (bench loaders).
 */
export function auditValues(seq: number, e: AuditDraft, ts: string, personal: { salt: string; hash: string } | null = null, details = JSON.stringify(e.details)): unknown[] {
  return [
    seq, e.id, ts, e.event, e.actor.type, e.actor.id, e.actor.email, e.actor.name, e.actor.ip,
    e.projectSlug, e.environmentSlug, e.resource, e.outcome, e.requestId, e.userAgent, e.reason,
    details, e.actor.client ?? null, personal?.salt ?? null, personal?.hash ?? null,
  ];
}
export function accessValues(seq: number, e: AccessDraft, ts: string): unknown[] {
  return [
    seq, e.id, ts, e.requestId, e.method, e.route, e.path, e.status, e.durationMs, e.actor.type, e.actor.id,
    e.actor.email, e.actor.name, e.actor.ip, e.userAgent, e.projectSlug, e.environmentSlug, e.actor.client ?? null,
  ];
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** PostgreSQL returns timestamptz as a Date, SQLite the ISO text it stored. */
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));
/** PostgreSQL returns booleans, SQLite 1/0. */
const bool = (v: unknown): boolean => v === true || v === 1 || v === 1n;

/*
 * Row mappers of both adapters: one per table, tolerant of each engine's column types.
 */
export const userFromRow = (x: Row): UserRow => ({
  id: String(x.id), email: String(x.email), name: String(x.name), passwordHash: String(x.password_hash), admin: bool(x.admin), createdAt: iso(x.created_at),
});
export const sessionFromRow = (x: Row): SessionRow => ({
  tokenHash: String(x.token_hash), userId: String(x.user_id), createdAt: iso(x.created_at), expiresAt: iso(x.expires_at), revokedAt: isoOrNull(x.revoked_at),
});
export const projectFromRow = (x: Row): ProjectRow => ({
  id: String(x.id), slug: String(x.slug), name: String(x.name), wrappedKey: x.wrapped_key as Buffer, createdAt: iso(x.created_at),
});
export const environmentFromRow = (x: Row): EnvironmentRow => ({
  id: String(x.id), projectId: String(x.project_id), slug: String(x.slug), name: String(x.name), createdAt: iso(x.created_at), restricted: bool(x.restricted),
});
/** environment_id '' is a project membership (a NULL could not take part in the primary key). */
export const memberFromRow = (x: Row): MemberRow & { projectId: string } => ({
  projectId: String(x.project_id), userId: String(x.user_id), email: String(x.email), name: String(x.name),
  role: x.role as MemberRow['role'], environmentId: x.environment_id === '' ? null : String(x.environment_id),
});
export const secretFromRow = (x: Row): SecretRow => ({
  id: String(x.id), environmentId: String(x.environment_id), key: String(x.key), version: Number(x.version),
  ciphertext: (x.ciphertext as Buffer | null) ?? null, updatedAt: iso(x.updated_at), updatedBy: str(x.updated_by), deleted: bool(x.deleted),
});
export const secretVersionFromRow = (x: Row): SecretVersionRow => ({
  version: Number(x.version), createdAt: iso(x.created_at), createdBy: str(x.created_by), deleted: bool(x.deleted),
});
export const apiKeyFromRow = (x: Row): ApiKeyRow => ({
  id: String(x.id), projectId: String(x.project_id), environmentId: String(x.environment_id), name: String(x.name),
  role: x.role as ApiKeyRow['role'], secretHash: String(x.secret_hash), wrappedSigningKey: x.wrapped_signing_key as Buffer,
  wrappedSdkKey: (x.wrapped_sdk_key as Buffer | null | undefined) ?? null, createdAt: iso(x.created_at), createdBy: str(x.created_by), revokedAt: isoOrNull(x.revoked_at),
});

export const issuedTokenFromRow = (x: Row): IssuedTokenRow => ({
  id: String(x.id), kind: x.kind as IssuedTokenRow['kind'], projectId: String(x.project_id), environmentId: String(x.environment_id),
  tokenHash: String(x.token_hash), role: x.role as IssuedTokenRow['role'], scope: x.scope === null || x.scope === undefined ? null : (JSON.parse(String(x.scope)) as string[]),
  reason: str(x.reason), trustDomainId: str(x.trust_domain_id), trustDomainName: str(x.trust_domain_name), issuer: str(x.issuer), subject: str(x.subject),
  createdAt: iso(x.created_at), createdBy: str(x.created_by), expiresAt: iso(x.expires_at), revokedAt: isoOrNull(x.revoked_at),
  revokedBy: str(x.revoked_by), revokeReason: str(x.revoke_reason), expiryRecordedAt: isoOrNull(x.expiry_recorded_at),
});
export const trustDomainFromRow = (x: Row): TrustDomainRow => ({
  id: String(x.id), projectId: String(x.project_id), environmentId: String(x.environment_id), name: String(x.name), issuerUrl: String(x.issuer_url),
  claimRules: JSON.parse(String(x.claim_rules)) as TrustDomainRow['claimRules'], audiences: JSON.parse(String(x.audiences)) as string[],
  ttlMinutes: Number(x.ttl_minutes), grantedRole: x.granted_role as TrustDomainRow['grantedRole'], createdAt: iso(x.created_at),
  createdBy: str(x.created_by), updatedAt: iso(x.updated_at),
});

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
      client: str(r.client),
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

/** An audit row with its personal-field commitment, as the verifier needs it. */
export function auditLeafFromRow(r: Row): AuditLeafEntry {
  return { ...auditFromRow(r), personalSalt: str(r.personal_salt), personalHash: str(r.personal_hash) };
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
      client: str(r.client),
    },
    userAgent: str(r.user_agent),
    projectSlug: str(r.project_slug),
    environmentSlug: str(r.environment_slug),
  };
}
