import type { StoreTx } from '../store/ports.js';
import type { CredentialView } from '../contract/api.js';
import type { Actor } from '../contract/entries.js';
import type { EventType, Outcome } from '../contract/events.js';
import type { ApiKeyRow, AuditDraft, EnvironmentRow, IssuedTokenRow, ProjectRow, UserRow } from '../store/types.js';
import { unauthenticated, type DeniedReason } from './errors.js';

/** Who performs an operation. Anonymous until credentials are resolved; System for the server's own work. */
export type Principal =
  | { readonly kind: 'anonymous'; readonly actor: Actor }
  | { readonly kind: 'user'; readonly actor: Actor; readonly user: UserRow; readonly sessionHash: string }
  | {
      readonly kind: 'apiKey';
      readonly actor: Actor;
      readonly apiKey: ApiKeyRow;
      readonly projectSlug: string;
      readonly environmentSlug: string;
      /** The key's own project and environment, loaded while authenticating (reused by the scope resolver) */
      readonly project: ProjectRow;
      readonly environment: EnvironmentRow;
    }
  | {
      /** A lease (bax-lease-…, actor type Lease) or a trust token from a keyless OIDC exchange (bax-trust-…, actor type TrustToken) */
      readonly kind: 'lease' | 'trustToken';
      readonly actor: Actor;
      readonly token: IssuedTokenRow;
      readonly projectSlug: string;
      readonly environmentSlug: string;
      readonly project: ProjectRow;
      readonly environment: EnvironmentRow;
    }
  | { readonly kind: 'system'; readonly actor: Actor };

/** What a scoped credential is (whoami reports it; GET /api/v1/keys/me can too). */
export function scopedCredential(p: Principal): CredentialView | null {
  if (p.kind === 'apiKey') return { kind: 'apiKey', id: p.apiKey.id, role: p.apiKey.role, projectSlug: p.projectSlug, environmentSlug: p.environmentSlug, expiresAt: null, scope: null };
  if (p.kind === 'lease' || p.kind === 'trustToken') {
    return { kind: p.kind, id: p.token.id, role: p.token.role, projectSlug: p.projectSlug, environmentSlug: p.environmentSlug, expiresAt: p.token.expiresAt, scope: p.token.scope };
  }
  return null;
}

export type Authenticated = Exclude<Principal, { readonly kind: 'anonymous' }>;

/** The actor of entries the server writes on its own behalf (bootstrap, retention, workers). */
export const SYSTEM_ACTOR: Actor = Object.freeze({ type: 'System', id: null, email: null, name: 'bella-server', ip: null });

/** What an audit entry says beyond what the operation context already knows. */
export interface AuditInput {
  readonly event: EventType;
  readonly outcome?: Outcome;
  readonly resource?: string | null;
  readonly projectSlug?: string | null;
  readonly environmentSlug?: string | null;
  readonly reason?: DeniedReason | null;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Override the actor (failed logins record the attempted email) */
  readonly actor?: Actor;
}

/** Where an operation's entries are attributed unless an entry says otherwise. */
export interface AuditScope {
  readonly projectSlug: string | null;
  readonly environmentSlug: string | null;
  readonly resource: string | null;
  /** What a refusal's Denied entry should name besides the attempt (an API key's name, say); only Denied entries get it */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Queues the Audit Log entries of one operation. Nothing is written here: the unit of work takes the
 * queued entries and commits them with the operation's change (or with the request's access row).
 */
export interface AuditRecorder {
  record(input: AuditInput): void;
  /** The attribution defaults of this operation's entries (a request's project, environment, resource) */
  readonly scope: AuditScope;
  setScope(scope: Partial<AuditScope>): void;
  /** Removes and returns the queued entries */
  take(): AuditDraft[];
  /** The number queued so far; with discardFrom, drops entries recorded by work that rolled back */
  mark(): number;
  /** Entries recorded from `mark` on, removed from the queue */
  takeFrom(mark: number): AuditDraft[];
  discardFrom(mark: number): void;
  /** True once any queued entry is Denied (a refusal is recorded once) */
  hasDenied(): boolean;
  /** Set once a unit of this operation is durable: its change happened, whatever follows */
  committed: boolean;
  /** The seqs of this operation's durable entries (sent back as the Bella-Audit-Entry receipt) */
  readonly receipts: number[];
  /**
   * A check the operation's first durable unit runs in its own transaction before its work (the replay
   * guard's claim of a signed request's signature). A DomainError from it fails the unit (nothing of it
   * happens) and is final; until a unit carrying it commits, the next unit (at the latest the request's
   * access row) carries it again, so no request is answered without it.
   */
  precondition: ((tx: StoreTx) => Promise<void>) | null;
}

/**
 * Everything a service method needs to know about who is acting and how to record it. Built by
 * src/http/ from a request, or by systemOp() for a worker, so one service serves both.
 */
export interface OpContext {
  readonly principal: Principal;
  readonly requestId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly audit: AuditRecorder;
}

/** The authenticated principal of an operation, or the refusal that says how to authenticate. */
export function authenticated(op: OpContext): Authenticated {
  const p = op.principal;
  if (p.kind === 'anonymous') throw unauthenticated('authentication required: log in (POST /api/v1/auth/login) or send an API key', 'unauthenticated');
  return p;
}
