import type { Actor, AccessEntry, AuditEntry, Page } from '../contract/entries.js';
import type { EventType, Outcome, ActorType } from '../contract/events.js';
import type { ApiKeyRole, EnvironmentRole, ProjectRole } from '../contract/roles.js';

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
  /** 0 when deleted */
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
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly revokedAt: string | null;
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
  readonly requestId?: string;
  /** keyset: only entries with seq < beforeSeq */
  readonly beforeSeq?: number;
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
 * What runs inside the committer's transaction. Every method is a write or a read-for-write on the
 * writer connection, so it sees the batch's own uncommitted changes.
 */
export interface StoreTx {
  insertUser(row: UserRow): Promise<void>;
  insertSession(row: SessionRow): Promise<void>;
  revokeSession(tokenHash: string, at: string): Promise<void>;
  insertProject(row: ProjectRow): Promise<void>;
  insertEnvironment(row: EnvironmentRow): Promise<void>;
  /** Returns the previous role, or null when the user was not a member */
  upsertMember(projectId: string, environmentId: string | null, userId: string, role: string): Promise<string | null>;
  /** Returns the removed role, or null when the user was not a member */
  deleteMember(projectId: string, environmentId: string | null, userId: string): Promise<string | null>;
  /** Writes a new version; returns it (1 for a new key, previous+1 otherwise, also after a delete) */
  putSecret(environmentId: string, key: string, ciphertextFor: (version: number) => Buffer, at: string, by: string | null): Promise<{ version: number; created: boolean }>;
  /** Returns the deleted version, or null when there was no live secret */
  deleteSecret(environmentId: string, key: string, at: string, by: string | null): Promise<number | null>;
  insertApiKey(row: ApiKeyRow): Promise<void>;
  /** Returns false when the key was already revoked or does not exist */
  revokeApiKey(id: string, at: string): Promise<boolean>;
  setSetting(key: string, value: string): Promise<void>;
}

/**
 * A unit of work: state changes and the rows that record them, committed together or not at all.
 * Adapters read `audit` only after `work` has resolved, so work may append rows that depend on it.
 */
export interface Unit<T = unknown> {
  readonly work?: (tx: StoreTx) => Promise<T>;
  readonly audit: readonly AuditDraft[];
  readonly access: readonly AccessDraft[];
}
export type UnitOutcome<T = unknown> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** One histogram cell: matching entries in one time bucket with one outcome. */
export interface HistogramCount {
  /** bucket index: floor((timestamp - from) / bucketMs) */
  readonly bucket: number;
  readonly outcome: Outcome;
  readonly count: number;
}

/** Counts removed by one retention purge. */
export interface PurgeResult {
  readonly auditDeleted: number;
  readonly accessDeleted: number;
}

/**
 * The one storage interface. Adapters: sqlite/ (embedded default) and postgres/.
 * Reads see only committed data. Writes happen only through commitBatch.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  /**
   * Prepares log storage for the months starting at `now` (ISO): PostgreSQL creates the monthly
   * partitions ahead of time; SQLite has nothing to prepare. Idempotent; retention calls it each run.
   */
  ensurePartitions(now: string): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs the units in one transaction, each inside its own savepoint (a failing unit rolls back alone
   * and gets { ok: false }), assigns gap-free seq in commit order to their rows, and commits durably
   * once. Rejects (all units lost, nothing applied) when the transaction itself cannot commit.
   */
  commitBatch(units: readonly Unit[]): Promise<UnitOutcome[]>;
  /** A cheap write probe for /readyz: begins a write transaction and rolls it back. */
  probeWritable(): Promise<void>;

  getUserByEmail(email: string): Promise<UserRow | null>;
  getUserById(id: string): Promise<UserRow | null>;
  listUsers(): Promise<UserRow[]>;
  countUsers(): Promise<number>;
  getSession(tokenHash: string): Promise<SessionRow | null>;
  getProjectBySlug(slug: string): Promise<ProjectRow | null>;
  getProjectById(id: string): Promise<ProjectRow | null>;
  listProjects(): Promise<ProjectRow[]>;
  getEnvironment(projectId: string, slug: string): Promise<EnvironmentRow | null>;
  getEnvironmentById(id: string): Promise<EnvironmentRow | null>;
  listEnvironments(projectId: string): Promise<EnvironmentRow[]>;
  /** Project memberships (environmentId null) and environment memberships of a project */
  listMembers(projectId: string): Promise<MemberRow[]>;
  /** All memberships of a user across projects */
  listMembershipsOfUser(userId: string): Promise<(MemberRow & { projectId: string })[]>;
  /** The current version, or the given one (a deleted version has deleted=true and no ciphertext) */
  getSecret(environmentId: string, key: string, version?: number): Promise<SecretRow | null>;
  /** Every version of a secret, newest first (metadata only) */
  listSecretVersions(environmentId: string, key: string): Promise<SecretVersionRow[]>;
  /** Live (not deleted) secrets, by key */
  listSecrets(environmentId: string): Promise<SecretRow[]>;
  getApiKey(id: string): Promise<ApiKeyRow | null>;
  listApiKeys(projectId: string, environmentId?: string): Promise<ApiKeyRow[]>;
  getSetting(key: string): Promise<string | null>;

  /** Newest first (seq descending), at most `limit` entries. */
  queryAudit(filter: AuditFilter, limit: number): Promise<AuditEntry[]>;
  queryAccess(filter: AccessFilter, limit: number): Promise<AccessEntry[]>;
  /** Counts of matching audit entries by time bucket and outcome, in one grouped pass (the filter carries the range). */
  histogramAudit(filter: AuditFilter, bucketMs: number, from: string): Promise<HistogramCount[]>;
  /** Timestamp of the oldest matching audit entry; null when none match. */
  oldestAudit(filter: AuditFilter): Promise<string | null>;

  /** Retention: removes entries older than the cut-offs, in small batches; never touches newer rows. */
  purgeAudit(olderThan: string, batchSize: number): Promise<number>;
  purgeAccess(olderThan: string, batchSize: number): Promise<number>;
}

export type { Page };

/** Adapters raise this when a write hits a unique constraint (two requests created the same thing). */
export class UniqueViolationError extends Error {
  constructor(detail: string) {
    super(`unique constraint violated: ${detail}`);
    this.name = 'UniqueViolationError';
  }
}
