import type { SshRoleView } from '../contract/ssh.js';
import type { AccessEntry, AuditEntry } from '../contract/entries.js';
import type {
  AccessFilter, ApiKeyRow, AuditFilter, EnvironmentRow, HistogramCount, IssuedTokenRow, MemberRow, ProjectRow, SecretRow, SecretVersionRow, TrustDomainRow,
  SessionRow, StreamRow, Unit, UnitOutcome, UserRow,
} from './types.js';

/*
 * The Store as narrow ports. A service's deps name only the ports it uses (`Pick<Store, 'secrets'>`).
 * Read ports see only committed data; the `*Tx` ports run inside the unit of work's transaction and
 * see the batch's own uncommitted changes (reads-for-write included).
 */

export interface UserPort {
  getByEmail(email: string): Promise<UserRow | null>;
  getById(id: string): Promise<UserRow | null>;
  list(): Promise<UserRow[]>;
  count(): Promise<number>;
  getSession(tokenHash: string): Promise<SessionRow | null>;
}
export interface UsersTx {
  insert(row: UserRow): Promise<void>;
  /** Read-for-write: the user as this transaction sees it */
  getByEmail(email: string): Promise<UserRow | null>;
  insertSession(row: SessionRow): Promise<void>;
  revokeSession(tokenHash: string, at: string): Promise<void>;
}

export interface ProjectPort {
  getBySlug(slug: string): Promise<ProjectRow | null>;
  getById(id: string): Promise<ProjectRow | null>;
  list(): Promise<ProjectRow[]>;
  getEnvironment(projectId: string, slug: string): Promise<EnvironmentRow | null>;
  getEnvironmentById(id: string): Promise<EnvironmentRow | null>;
  listEnvironments(projectId: string): Promise<EnvironmentRow[]>;
}
export interface ProjectsTx {
  insert(row: ProjectRow): Promise<void>;
  insertEnvironment(row: EnvironmentRow): Promise<void>;
  /** Returns false when the environment already was so (or does not exist) */
  setRestricted(environmentId: string, restricted: boolean): Promise<boolean>;
}

export interface MemberPort {
  /** Project memberships (environmentId null) and environment memberships of a project */
  listOfProject(projectId: string): Promise<MemberRow[]>;
  /** All memberships of a user across projects */
  listOfUser(userId: string): Promise<(MemberRow & { projectId: string })[]>;
}
export interface MembersTx {
  /**
   * Read-for-write: every membership of the project, after locking the project against concurrent
   * membership changes (PostgreSQL: the project row FOR UPDATE; SQLite: the write transaction is
   * already exclusive). Rules such as "the last OWNER stays" are checked on what this returns.
   */
  lockProject(projectId: string): Promise<MemberRow[]>;
  /** Returns the previous role, or null when the user was not a member */
  upsert(projectId: string, environmentId: string | null, userId: string, role: string): Promise<string | null>;
  /** Returns the removed role, or null when the user was not a member */
  delete(projectId: string, environmentId: string | null, userId: string): Promise<string | null>;
}

export interface SecretPort {
  /** The current version, or the given one (a deleted version has deleted=true and no ciphertext) */
  get(environmentId: string, key: string, version?: number): Promise<SecretRow | null>;
  /** Every version of a secret, newest first (metadata only) */
  listVersions(environmentId: string, key: string): Promise<SecretVersionRow[]>;
  /** Live (not deleted) secrets, by key */
  list(environmentId: string): Promise<SecretRow[]>;
  /** The environment's version (sum of every key's current version, deleted ones included: +1 per write) and last write time */
  stamp(environmentId: string): Promise<{ version: number; lastModified: string | null }>;
}
export interface SecretsTx {
  /** Writes a new version; returns it (1 for a new key, previous+1 otherwise, also after a delete) */
  put(environmentId: string, key: string, ciphertextFor: (version: number) => Buffer, at: string, by: string | null): Promise<{ version: number; created: boolean }>;
  /** Returns the deleted version, or null when there was no live secret */
  delete(environmentId: string, key: string, at: string, by: string | null): Promise<number | null>;
}

export interface ApiKeyPort {
  get(id: string): Promise<ApiKeyRow | null>;
  list(projectId: string, environmentId?: string): Promise<ApiKeyRow[]>;
}
export interface ApiKeysTx {
  insert(row: ApiKeyRow): Promise<void>;
  /** Returns false when the key was already revoked or does not exist */
  revoke(id: string, at: string): Promise<boolean>;
  /** Read-for-write: the keys of a project created by `createdBy` (an email) and not revoked */
  listActiveByCreator(projectId: string, createdBy: string): Promise<ApiKeyRow[]>;
}

/** An environment's SSH certificate authority: its public key, its private key sealed, its serial counter. */
export interface SshCaRow {
  readonly environmentId: string;
  readonly publicKey: Buffer;
  readonly sealedPrivateKey: Buffer;
  readonly createdAt: string;
}
/** A signing role of an environment's CA (what certificates it may issue): the API's view plus its environment. */
export interface SshRoleRow extends SshRoleView {
  readonly environmentId: string;
}
export interface SshPort {
  getCa(environmentId: string): Promise<SshCaRow | null>;
  getRole(environmentId: string, name: string): Promise<SshRoleRow | null>;
  listRoles(environmentId: string): Promise<SshRoleRow[]>;
}
export interface SshTx {
  /** Inserts the CA unless one exists; returns the CA in force (the first one wins a race). */
  ensureCa(row: SshCaRow): Promise<SshCaRow>;
  /** The next certificate serial of the environment's CA (1, 2, …), unique per CA. */
  nextSerial(environmentId: string): Promise<number>;
  /** False when a role of that name exists. */
  createRole(row: SshRoleRow): Promise<boolean>;
  deleteRole(environmentId: string, name: string): Promise<boolean>;
}

/** A configured provider (the built-in System provider is not stored). */
export interface ProviderRow {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** The settings that are not secret, as JSON */
  readonly configPublic: string;
  /** The secret settings as JSON, sealed by the key ring */
  readonly configSealed: Buffer;
  readonly createdAt: string;
  readonly createdBy: string | null;
}
export interface ProviderAssignmentRow {
  readonly providerId: string;
  readonly projectId: string;
  /** null: the whole project */
  readonly environmentId: string | null;
}
export interface ProviderPort {
  getByName(name: string): Promise<ProviderRow | null>;
  list(): Promise<ProviderRow[]>;
  assignments(providerId: string): Promise<ProviderAssignmentRow[]>;
  /** Whether the provider may serve this environment (assigned to it or to its project). */
  isAssigned(providerId: string, projectId: string, environmentId: string): Promise<boolean>;
}
export interface ProviderTx {
  /** False when the name is taken. */
  insert(row: ProviderRow): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** False when it was assigned there already. */
  assign(row: ProviderAssignmentRow): Promise<boolean>;
}

/** Leases and trust tokens (one table, told apart by kind). */
export interface IssuedTokenPort {
  get(id: string): Promise<IssuedTokenRow | null>;
  /** Every token of one kind in an environment, newest first, at most `limit` */
  list(environmentId: string, kind: IssuedTokenRow['kind'], limit: number): Promise<IssuedTokenRow[]>;
  /** Leases that expired at or before `now`, not revoked, whose expiry is not recorded yet (oldest first) */
  dueForExpiry(now: string, limit: number): Promise<IssuedTokenRow[]>;
}
export interface IssuedTokensTx {
  insert(row: IssuedTokenRow): Promise<void>;
  /** Returns false when the token was already revoked or does not exist */
  revoke(id: string, at: string, by: string | null, reason: string | null): Promise<boolean>;
  /** Read-for-write: tokens of a kind in an environment neither revoked nor expired at `now` */
  listActive(environmentId: string, kind: IssuedTokenRow['kind'], now: string): Promise<IssuedTokenRow[]>;
  /** Revokes every still-valid token a trust domain issued; returns how many */
  revokeByTrustDomain(trustDomainId: string, at: string, by: string | null, reason: string): Promise<number>;
  /** Marks a lease's expiry as recorded; false when another run (or node) did it first, or it was revoked */
  markExpiryRecorded(id: string, at: string): Promise<boolean>;
}

export interface TrustDomainPort {
  get(environmentId: string, name: string): Promise<TrustDomainRow | null>;
  list(environmentId: string): Promise<TrustDomainRow[]>;
}
export interface TrustDomainsTx {
  insert(row: TrustDomainRow): Promise<void>;
  /** Replaces the mutable fields; false when it no longer exists */
  update(row: TrustDomainRow): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

/** A credential lease: a login a provider created in its database, until revoked or expired. */
export interface CredentialLeaseRow {
  readonly id: string;
  readonly providerId: string;
  readonly providerName: string;
  readonly projectId: string;
  readonly environmentId: string;
  readonly username: string;
  readonly reason: string;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly expiresAt: string;
  readonly state: 'active' | 'revoking' | 'revoked' | 'irrevocable';
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
}
export interface CredentialLeasePort {
  get(id: string): Promise<CredentialLeaseRow | null>;
  list(environmentId: string, limit: number): Promise<CredentialLeaseRow[]>;
  /** Leases whose login must go now: active past their expiry, or revoking with a retry due (oldest first) */
  due(now: string, limit: number): Promise<CredentialLeaseRow[]>;
  /** Usernames of a provider's leases whose login should exist (active or revoking) */
  liveUsernames(providerId: string): Promise<string[]>;
}
export interface CredentialLeasesTx {
  insert(row: CredentialLeaseRow): Promise<void>;
  /** Moves a lease from one of `from` to its new state; false when it was no longer in one of them (another node won). */
  transition(id: string, from: readonly CredentialLeaseRow['state'][], to: Pick<CredentialLeaseRow, 'state' | 'revokedAt' | 'revokedBy' | 'revokeReason' | 'attempts' | 'nextAttemptAt' | 'lastError'>): Promise<boolean>;
}

export interface SettingsPort {
  get(key: string): Promise<string | null>;
}
export interface SettingsTx {
  set(key: string, value: string): Promise<void>;
  /** Stores the value only when the key has none; false when it had one (set first by another node) */
  insertIfAbsent(key: string, value: string): Promise<boolean>;
}

/**
 * Failed-login counters, one row per key (identity/throttle.ts keys an (account, address) pair and an
 * address, hashed). Times are epoch milliseconds, so both engines compare and store them alike.
 */
export interface LoginAttemptRow {
  readonly key: string;
  /** Attempts counted since the counter last reset (an attempt counts when it starts) */
  readonly attempts: number;
  /** When the last counted attempt started */
  readonly lastAt: number;
  /** No attempt is allowed before this time (0: not locked) */
  readonly lockedUntil: number;
}
export interface LoginAttemptPort {
  get(key: string): Promise<LoginAttemptRow | null>;
  /** Rows kept (the table is bounded: stale rows are pruned as attempts arrive) */
  count(): Promise<number>;
}
export interface LoginAttemptsTx {
  /**
   * Read-for-write: the rows of `keys` in the given order, created empty (attempts 0, lastAt `now`)
   * when missing, and locked until the transaction ends (PostgreSQL: FOR UPDATE, after an insert that
   * leaves no gap for another node to fill; SQLite: the write transaction is exclusive).
   */
  lock(keys: readonly string[], now: number): Promise<LoginAttemptRow[]>;
  save(row: LoginAttemptRow): Promise<void>;
  delete(key: string): Promise<void>;
  /** Deletes at most `limit` rows with no attempt and no lock after `before`; returns how many */
  prune(before: number, limit: number): Promise<number>;
}

/** Signatures of signed API-key requests already accepted, kept until they could no longer verify. */
export interface SignatureUsePort {
  count(): Promise<number>;
}
export interface SignatureUsesTx {
  /**
   * Records one use of a signature; false when it was recorded before (a replay). A single
   * INSERT … ON CONFLICT DO NOTHING on the (keyId, signatureHash) primary key: of two concurrent uses,
   * on any node, exactly one inserts.
   */
  claim(keyId: string, signatureHash: string, expiresAt: number): Promise<boolean>;
  /** Deletes at most `limit` uses that expired before `now` (epoch ms); returns how many */
  prune(now: number, limit: number): Promise<number>;
}

/** Audit Log streams (streams/): configuration, cursor and delivery counters. */
export interface StreamPort {
  list(): Promise<StreamRow[]>;
  getByName(name: string): Promise<StreamRow | null>;
}
/** The changeable part of a stream row (configuration and state). */
export type StreamChange = Partial<Pick<StreamRow, 'settings' | 'sealedSecrets' | 'filter' | 'format' | 'heartbeatSeconds' | 'state' | 'lastError' | 'lastErrorAt' | 'failingSince' | 'updatedAt'>>;
export interface StreamsTx {
  insert(row: StreamRow): Promise<void>;
  /** Read-for-write: the stream as this transaction sees it */
  getByName(name: string): Promise<StreamRow | null>;
  /** Returns false when the stream does not exist */
  update(id: string, change: StreamChange): Promise<boolean>;
  /** Returns false when the stream does not exist */
  delete(id: string): Promise<boolean>;
  /**
   * Moves the cursor from `from` to `to` and adds `delivered`, only if the cursor still is `from`
   * (a replay or another node moved it meanwhile: false, nothing changed). `at` is the last success.
   */
  advance(id: string, from: number, to: number, delivered: number, at: string | null): Promise<boolean>;
  /** Replay: sets the cursor unconditionally */
  setCursor(id: string, cursor: number, at: string): Promise<boolean>;
  /**
   * Takes or renews the delivery lease of a stream for `owner` until `until` (epoch ms): granted when
   * free, expired (before `now`) or already `owner`'s. One node of several delivers a stream at a time.
   */
  claim(id: string, owner: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up (a node stopping), so another node takes over at once */
  release(id: string, owner: string): Promise<void>;
}

/** Reading one log: newest-first pages for people, commit (seq) order for workers. */
export interface LogPort<F, E extends { readonly seq: number }> {
  /** Newest first (seq descending), at most `limit` entries. */
  query(filter: F, limit: number): Promise<E[]>;
  /** Commit order: entries with seq > afterSeq, ascending, at most `limit`. */
  readAfter(afterSeq: number, limit: number): Promise<E[]>;
  /**
   * Commit order over (afterSeq, throughSeq] (open end: up to what is committed when each page is
   * read), paged so memory stays constant however long the range.
   */
  range(afterSeq: number, throughSeq?: number, pageSize?: number): AsyncIterable<E>;
  /** The highest seq ever committed (0 before the first entry); retention does not lower it. */
  lastSeq(): Promise<number>;
  /** Retention: removes entries older than the cut-off in small batches; never touches newer rows. */
  purge(olderThan: string, batchSize: number): Promise<number>;
}
export interface AuditLogPort extends LogPort<AuditFilter, AuditEntry> {
  /** Counts of matching entries by time bucket and outcome, in one grouped pass (the filter carries the range). */
  histogram(filter: AuditFilter, bucketMs: number, from: string): Promise<HistogramCount[]>;
  /** Timestamp of the oldest matching entry; null when none match. */
  oldest(filter: AuditFilter): Promise<string | null>;
}
export type AccessLogPort = LogPort<AccessFilter, AccessEntry>;

/** The Merkle tree's right edge, kept beside the seq counter and extended in the committing transaction. */
export interface TreeStateRow {
  /** Leaves in the tree */
  readonly size: number;
  /** seq of leaf 0 (entries committed before the tree existed are not in it) */
  readonly firstSeq: number;
  /** The perfect-subtree roots of the right edge, concatenated (integrity/compact.ts) */
  readonly frontier: Buffer;
}
/** A stored tree node: [level, index] (the perfect subtree of leaves [index·2^level, (index+1)·2^level)) and its hash. */
export interface TreeNodeRow {
  readonly key: readonly [number, number];
  readonly hash: Buffer;
}
/** An Audit Log entry with the salted commitment of its personal fields (null for rows outside the tree). */
export interface AuditLeafEntry extends AuditEntry {
  readonly personalSalt: string | null;
  readonly personalHash: string | null;
}
/** A signed checkpoint (C2SP tlog-checkpoint as a signed note). */
export interface CheckpointRow {
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
  readonly signedAt: string;
}
/** Reading the tree: stored nodes (never every entry) build any proof. */
export interface AuditTreePort {
  state(): Promise<TreeStateRow>;
  /** The stored nodes of these keys, by `${level}/${index}`; missing ones are absent from the map */
  nodes(keys: readonly (readonly [number, number])[]): Promise<Map<string, Buffer>>;
  /** The stored leaf hashes of leaves [start, end) in order, stopping at the first missing one */
  leafHashes(start: number, end: number): Promise<Buffer[]>;
  /** Entries with their personal commitment in seq order: seq > afterSeq, at most limit */
  leaves(afterSeq: number, limit: number): Promise<AuditLeafEntry[]>;
  entry(id: string): Promise<AuditLeafEntry | null>;
  entryBySeq(seq: number): Promise<AuditLeafEntry | null>;
  latestCheckpoint(): Promise<CheckpointRow | null>;
  checkpoint(size: number): Promise<CheckpointRow | null>;
  /** Sizes and signing times of the stored checkpoints, newest first, at most limit */
  checkpointList(limit: number): Promise<{ size: number; signedAt: string }[]>;
}
/** The batch runner's side of the tree (store/batch-runner.ts), on the batch's transaction. */
export interface AuditTreeTx {
  state(): Promise<TreeStateRow>;
  /** Stores newly completed nodes and the new edge */
  save(nodes: readonly TreeNodeRow[], state: TreeStateRow): Promise<void>;
}
export interface CheckpointsTx {
  /** false when a checkpoint of that size was stored already (another node signed it) */
  insert(row: CheckpointRow): Promise<boolean>;
}

/** What a unit of work's `work` may touch: the write side of each port, on the batch's transaction. */
/** GDPR erasure of one person's personal fields (issue 19; src/store/sql/personal.ts). */
export interface PersonalTx {
  /** Replaces the person's email, name and IP in both logs by the pseudonym (Audit Log salts deleted), and pseudonymises their account. */
  erasePersonal(match: { readonly email: string; readonly userId: string | null }, pseudonym: string, at: string): Promise<{ audit: number; access: number; account: number }>;
}

export interface StoreTx {
  readonly personal: PersonalTx;
  readonly users: UsersTx;
  readonly projects: ProjectsTx;
  readonly members: MembersTx;
  readonly secrets: SecretsTx;
  readonly apiKeys: ApiKeysTx;
  readonly settings: SettingsTx;
  readonly ssh: SshTx;
  readonly providers: ProviderTx;
  readonly credentialLeases: CredentialLeasesTx;
  readonly loginAttempts: LoginAttemptsTx;
  readonly signatureUses: SignatureUsesTx;
  readonly issuedTokens: IssuedTokensTx;
  readonly trustDomains: TrustDomainsTx;
  readonly checkpoints: CheckpointsTx;
  readonly streams: StreamsTx;
}

/**
 * The one storage interface, composed of the ports. Adapters: sqlite/ (embedded default) and
 * postgres/. Writes happen only through commitBatch (the unit-of-work runner, store/batch-runner.ts).
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
   *
   * `more` (optional) is called at most once, right after the batch has taken the seq lock when
   * taking it may have waited (PostgreSQL: another node's batch held it): the units it returns, those
   * submitted while this batch waited, join this batch instead of waiting for the next one. Their
   * outcomes follow those of `units`, in order.
   */
  commitBatch(units: readonly Unit[], more?: () => readonly Unit[]): Promise<UnitOutcome[]>;
  /**
   * How many batches may be in flight at once when all but the first hold log-only units (no work);
   * 1 when absent. PostgreSQL: 2, each on its own writer connection, numbered by the database.
   */
  readonly logLanes?: number;
  /** A cheap write probe for /readyz: begins a write transaction and rolls it back. */
  probeWritable(): Promise<void>;
  /**
   * An online, consistent copy of the whole database into `file` (a new file), taken while the store
   * keeps serving. Throws DomainError not_supported where the engine has its own tools (PostgreSQL).
   */
  backup(file: string): Promise<void>;
  /** Counters of the committer's batches where the adapter keeps them (PostgreSQL: postgres/writer-stats.ts); read by benchmarks */
  writerStats?(): Readonly<Record<string, number>>;

  readonly users: UserPort;
  readonly projects: ProjectPort;
  readonly members: MemberPort;
  readonly secrets: SecretPort;
  readonly apiKeys: ApiKeyPort;
  readonly settings: SettingsPort;
  readonly ssh: SshPort;
  readonly providers: ProviderPort;
  readonly credentialLeases: CredentialLeasePort;
  readonly loginAttempts: LoginAttemptPort;
  readonly signatureUses: SignatureUsePort;
  readonly issuedTokens: IssuedTokenPort;
  readonly trustDomains: TrustDomainPort;
  readonly streams: StreamPort;
  readonly auditLog: AuditLogPort;
  readonly accessLog: AccessLogPort;
  readonly auditTree: AuditTreePort;
  /**
   * The read cache's version (store/read-cache.ts): bumped by the database itself (triggers) in every
   * transaction that changes a table the cache holds rows of, on any node. Read-committed.
   */
  cacheVersion(): Promise<number>;
}
