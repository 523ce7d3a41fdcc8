import type { FastifyRequest } from 'fastify';
import type { Actor } from '../contract/entries.js';
import type { EventType, Outcome } from '../contract/events.js';
import type { ApiKeyRow, AuditDraft, EnvironmentRow, ProjectRow, UserRow } from '../store/types.js';
import type { AppError } from './errors.js';

/** Who is calling. Anonymous until the auth hook resolves credentials. */
export type Principal =
  | { readonly kind: 'anonymous'; readonly actor: Actor }
  | { readonly kind: 'user'; readonly actor: Actor; readonly user: UserRow; readonly sessionHash: string }
  | {
      readonly kind: 'apiKey';
      readonly actor: Actor;
      readonly apiKey: ApiKeyRow;
      readonly projectSlug: string;
      readonly environmentSlug: string;
      /** The key's own project and environment, loaded while authenticating (reused by authorizeScope) */
      readonly project: ProjectRow;
      readonly environment: EnvironmentRow;
    };

/** Per-request state: one request id ties the access row to its audit rows. */
export interface RequestContext {
  readonly requestId: string;
  readonly startedAt: bigint;
  readonly ip: string;
  readonly userAgent: string | null;
  principal: Principal;
  /** Set when credentials were presented but refused; surfaced by requireAuth */
  authError: AppError | null;
  /** Audit rows committed with the request's next unit of work, or with its access row at onSend */
  readonly pendingAudit: AuditDraft[];
  projectSlug: string | null;
  environmentSlug: string | null;
  /** The event and resource a refusal of this request is recorded under (see recordDenied) */
  auditEvent: EventType | null;
  resource: string | null;
  /** Set once a unit of work of this request is durable: its change happened, whatever follows */
  committed: boolean;
}

/** Route config: declares that a route is auditable, so refusals before the handler are recorded too. */
export interface AuditRouteConfig {
  readonly audit?: { readonly event: EventType; readonly resourceParam?: string };
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
    rawBody?: string;
  }
}

export interface AuditInput {
  readonly event: EventType;
  readonly outcome?: Outcome;
  readonly resource?: string | null;
  readonly projectSlug?: string | null;
  readonly environmentSlug?: string | null;
  readonly reason?: string | null;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Override the actor (failed logins record the attempted email) */
  readonly actor?: Actor;
}

/** Builds an audit row for this request; it becomes durable with the request's unit of work. */
export function auditDraft(req: FastifyRequest, input: AuditInput, id: string, timestamp: string): AuditDraft {
  const c = req.ctx;
  return {
    id,
    timestamp,
    event: input.event,
    actor: input.actor ?? c.principal.actor,
    projectSlug: input.projectSlug !== undefined ? input.projectSlug : c.projectSlug,
    environmentSlug: input.environmentSlug !== undefined ? input.environmentSlug : c.environmentSlug,
    resource: input.resource !== undefined ? input.resource : c.resource,
    outcome: input.outcome ?? 'Success',
    requestId: c.requestId,
    userAgent: c.userAgent,
    reason: input.reason ?? null,
    details: input.details ?? {},
  };
}
