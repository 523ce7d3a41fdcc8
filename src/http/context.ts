import type { EventType } from '../contract/events.js';
import type { AuditRecorder, Principal } from '../kernel/context.js';
import type { DomainError } from '../kernel/errors.js';

/** Per-request state: one request id ties the access row to its audit rows. */
export interface RequestContext {
  readonly requestId: string;
  readonly startedAt: bigint;
  readonly ip: string;
  readonly userAgent: string | null;
  /** Anonymous until preValidation resolves credentials; a login replaces it */
  principal: Principal;
  /** Set when credentials were presented but refused; surfaced by opOf */
  authError: DomainError | null;
  /** The request's audit entries, committed with its next unit of work or with its access row at onSend */
  readonly audit: AuditRecorder;
  /** The event a refusal of this request is recorded under (route config `audit`) */
  auditEvent: EventType | null;
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
