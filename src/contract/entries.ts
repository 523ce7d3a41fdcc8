import type { ActorType, EventType, Outcome } from './events.js';

/** Who performed an action, as recorded in both logs. */
export interface Actor {
  readonly type: ActorType;
  /** user id, API key id, trust token subject; null for Anonymous/System */
  readonly id: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly ip: string | null;
  /**
   * The calling application: X-App-Client, else X-Bella-Client (the SDK sends bella-js-sdk, the CLI
   * bella-cli); null when neither was sent. Optional where an actor is built, always present on the wire.
   */
  readonly client?: string | null;
}

/** One Audit Log entry exactly as the API, exports and streams present it. */
export interface AuditEntry {
  readonly id: string;
  readonly seq: number;
  /** UTC, ISO 8601 with milliseconds */
  readonly timestamp: string;
  readonly event: EventType;
  readonly actor: Actor;
  readonly projectSlug: string | null;
  readonly environmentSlug: string | null;
  /** What was acted upon: a secret key name, an API key id, a user's email, a provider name… */
  readonly resource: string | null;
  readonly outcome: Outcome;
  readonly requestId: string | null;
  readonly userAgent: string | null;
  /** Machine-readable reason when outcome is Denied (e.g. insufficient_role) */
  readonly reason: string | null;
  /** Event metadata. Never a secret value. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** One Access Log row: one per HTTP request. */
export interface AccessEntry {
  readonly id: string;
  readonly seq: number;
  readonly timestamp: string;
  readonly requestId: string;
  readonly method: string;
  /** The route pattern, e.g. /api/v1/projects/:project; null when no route matched */
  readonly route: string | null;
  /** The path with query values left out (names kept) */
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly actor: Actor;
  readonly userAgent: string | null;
  readonly projectSlug: string | null;
  readonly environmentSlug: string | null;
}

export interface Page<T> {
  readonly entries: readonly T[];
  /** Opaque keyset cursor for the next (older) page; null when there is none */
  readonly nextCursor: string | null;
}

/** CSV columns of `bella audit list -o csv` and the export endpoint, in order. */
export const AUDIT_CSV_COLUMNS = [
  'timestamp',
  'event',
  'actor.type',
  'actor.email',
  'actor.name',
  'actor.ip',
  'projectSlug',
  'environmentSlug',
  'resource',
  'outcome',
  'requestId',
  'actor.client',
  // After the product page's columns (which stay first and unchanged): why, with what, and the event's details as JSON.
  'reason',
  'userAgent',
  'details',
] as const;

export const ACCESS_CSV_COLUMNS = [
  'timestamp',
  'method',
  'route',
  'path',
  'status',
  'durationMs',
  'actor.type',
  'actor.email',
  'actor.name',
  'actor.ip',
  'projectSlug',
  'environmentSlug',
  'requestId',
  'actor.client',
] as const;
