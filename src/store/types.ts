import type { Actor, AccessEntry, AuditEntry, Page } from '../contract/entries.js';
import type { EventType, Outcome, ActorType } from '../contract/events.js';
import type { ApiKeyRole, EnvironmentRole, ProjectRole } from '../contract/roles.js';
import type { StoreTx } from './ports.js';

/** Rows as the domain services see them (the adapters map columns to these). */
export interface UserRow {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly passwordHash: string;
  readonly admin: boolean;
  readonly createdAt: string;
}
export interface SessionRow {
  readonly tokenHash: string;
  readonly userId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}
export interface ProjectRow {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  /** The project's data key, wrapped (AES-256-GCM) by the master key */
  readonly wrappedKey: Buffer;
  readonly createdAt: string;
}
export interface EnvironmentRow {
  readonly id: string;
  readonly projectId: string;
  readonly slug: string;
  readonly name: string;
  readonly createdAt: string;
  /** Only the environment's own members reach it (set by its first environment member, lifted by an owner) */
  readonly restricted: boolean;
}
export interface MemberRow {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly role: ProjectRole | EnvironmentRole;
  /** null for a project membership */
  readonly environmentId: string | null;
}
export interface SecretRow {
  readonly id: string;
  readonly environmentId: string;
  readonly key: string;
  /** The current version; for a deleted secret, the version of its deletion tombstone */
  readonly version: number;
  readonly ciphertext: Buffer | null;
  readonly updatedAt: string;
  readonly updatedBy: string | null;
  readonly deleted: boolean;
}
export interface SecretVersionRow {
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string | null;
  /** a tombstone written by a delete */
  readonly deleted: boolean;
}
export interface ApiKeyRow {
  readonly id: string;
  readonly projectId: string;
  readonly environmentId: string;
  readonly name: string;
  readonly role: ApiKeyRole;
  readonly secretHash: string;
  /** HMAC signing key, wrapped by the master key */
  readonly wrappedSigningKey: Buffer;
  /** The SDK's HMAC key (the secret, hex-decoded), wrapped by the master key; null for keys made before SDK signing */
  readonly wrappedSdkKey?: Buffer | null;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly revokedAt: string | null;
}

/**
 * A token the server issued for a limited time: a lease (kind lease: read only, `scope` lists its
 * keys) or a trust token from a keyless OIDC exchange (kind trust: the trust domain's role). Only the
 * SHA-256 of its secret is kept.
 */
export interface IssuedTokenRow {
  readonly id: string;
  readonly kind: 'lease' | 'trust';
  readonly projectId: string;
  readonly environmentId: string;
  readonly tokenHash: string;
  /** CONSUMER (leases are always read only) or the trust domain's granted role */
  readonly role: 'CONSUMER' | 'MEMBER';
  /** Lease: the secret keys it may read; null for a trust token (the whole environment) */
  readonly scope: readonly string[] | null;
  readonly reason: string | null;
  readonly trustDomainId: string | null;
  readonly trustDomainName: string | null;
  /** Trust token: the OIDC issuer and subject it was exchanged for */
  readonly issuer: string | null;
  readonly subject: string | null;
  readonly createdAt: string;
  /** Lease: the issuing user's email; trust token: the OIDC subject */
  readonly createdBy: string | null;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
  /** When the expiry worker recorded LeaseExpired (null until then) */
  readonly expiryRecordedAt: string | null;
}
/** An OIDC trust domain of one environment (identity/trust/). */
export interface TrustDomainRow {
  readonly id: string;
  readonly projectId: string;
  readonly environmentId: string;
  readonly name: string;
  readonly issuerUrl: string;
  readonly claimRules: readonly { readonly claim: string; readonly operator: 'Equals' | 'StartsWith' | 'Glob'; readonly value: string | readonly string[] }[];
  readonly audiences: readonly string[];
  readonly ttlMinutes: number;
  readonly grantedRole: 'CONSUMER' | 'MEMBER';
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly updatedAt: string;
}

/** An audit row before commit: the committer assigns seq (and the adapter stores it). */
export interface AuditDraft {
  readonly id: string;
  readonly timestamp: string;
  readonly event: EventType;
  readonly actor: Actor;
  readonly projectSlug: string | null;
  readonly environmentSlug: string | null;
  readonly resource: string | null;
  readonly outcome: Outcome;
  readonly requestId: string | null;
  readonly userAgent: string | null;
  readonly reason: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}
export type AccessDraft = Omit<AccessEntry, 'seq'>;

/** Filters both log queries share; all optional, combined with AND. Times are ISO strings. */
export interface LogFilterBase {
  /** Restrict to these project slugs (authorization scope); undefined = no restriction */
  readonly projectIn?: readonly string[];
  /** Include entries with no project (instance events) when projectIn is set */
  readonly includeInstance?: boolean;
  readonly project?: string;
  readonly environment?: string;
  readonly since?: string;
  readonly until?: string;
  /** matches actor email, name or id exactly (email case-insensitively) */
  readonly actor?: string;
  readonly actorType?: ActorType;
  /** the calling application (actor.client), exactly */
  readonly client?: string;
  readonly requestId?: string;
  /** keyset: only entries with seq < beforeSeq */
  readonly beforeSeq?: number;
  /** only entries with seq > afterSeq (the live tail's window) */
  readonly afterSeq?: number;
  /** one entry by its id */
  readonly id?: string;
  /** More predicates (a search query's terms, excludeSelf), ANDed; they never choose the index */
  readonly conditions?: readonly LogCondition[];
}

/** Columns a condition may test (a whitelist: conditions are rendered into SQL). */
export type LogColumn =
  | 'event' | 'outcome' | 'project_slug' | 'environment_slug' | 'resource' | 'request_id'
  | 'actor_id' | 'actor_email' | 'actor_name' | 'actor_ip' | 'path' | 'method' | 'status';

/**
 * One test of a column: equal (`ieq`: ASCII case-insensitively), starts with, ends with. A prefix or
 * suffix compares characters exactly (a suffix of request ids may ignore ASCII case on SQLite).
 */
export interface LogMatch {
  readonly column: LogColumn;
  readonly op: 'eq' | 'ieq' | 'prefix' | 'suffix';
  readonly value: string | number;
}
/** True when any of its matches holds (a NULL column matches nothing); `negated` inverts that. */
export interface LogCondition {
  readonly any: readonly LogMatch[];
  readonly negated: boolean;
}
export interface AuditFilter extends LogFilterBase {
  readonly events?: readonly EventType[];
  readonly outcome?: Outcome;
  readonly resource?: string;
}
export interface AccessFilter extends LogFilterBase {
  readonly method?: string;
  readonly status?: number;
  readonly path?: string;
}

/**
 * A unit of work: state changes and the rows that record them, committed together or not at all.
 * Adapters read `audit` only after `work` has resolved, so work may append rows that depend on it.
 */
export interface Unit<T = unknown> {
  readonly work?: (tx: StoreTx) => Promise<T>;
  readonly audit: readonly AuditDraft[];
  readonly access: readonly AccessDraft[];
  /** Told the seqs of the unit's audit rows once they are durable (the Bella-Audit-Entry receipt) */
  readonly receipt?: (seqs: readonly number[]) => void;
}
export type UnitOutcome<T = unknown> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** One histogram cell: matching entries in one time bucket with one outcome. */
export interface HistogramCount {
  /** bucket index: floor((timestamp - from) / bucketMs) */
  readonly bucket: number;
  readonly outcome: Outcome;
  readonly count: number;
}

export type { Store, StoreTx } from './ports.js';
export type { Page };

/** Adapters raise this when a write hits a unique constraint (two requests created the same thing). */
export class UniqueViolationError extends Error {
  constructor(detail: string) {
    super(`unique constraint violated: ${detail}`);
    this.name = 'UniqueViolationError';
  }
}

/**
 * An Audit Log stream to a SIEM (streams/): its sink settings without the secret fields, which are
 * sealed apart with the master key; its delivery cursor (the seq of the last entry processed) and
 * counters. Filter and settings are JSON documents validated by src/contract/streams.ts.
 */
export interface StreamRow {
  readonly id: string;
  readonly name: string;
  /** null: an instance stream (all projects, instance events included) */
  readonly projectSlug: string | null;
  readonly sinkKind: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /** The secret fields as one sealed JSON object (KeyRing.sealInstance, purpose `stream:<id>`) */
  readonly sealedSecrets: Buffer | null;
  readonly filter: Readonly<Record<string, unknown>>;
  readonly format: string;
  readonly heartbeatSeconds: number;
  readonly state: 'active' | 'paused' | 'failing';
  readonly cursor: number;
  readonly delivered: number;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  readonly failingSince: string | null;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly updatedAt: string;
}
