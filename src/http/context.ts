import type { FastifyRequest } from 'fastify';
import type { EventType } from '../contract/events.js';
import type { AuditRecorder, Principal } from '../kernel/context.js';
import type { DomainError } from '../kernel/errors.js';
import type { Action } from '../identity/authorize.js';

/** Per-request state: one request id ties the access row to its audit rows. */
export interface RequestContext {
  readonly requestId: string;
  readonly startedAt: bigint;
  readonly ip: string;
  readonly userAgent: string | null;
  /** The calling application (X-App-Client, else X-Bella-Client), actor.client of both logs' rows */
  readonly client: string | null;
  /** A malformed X-App-Client / X-Bella-Client, raised at preValidation */
  readonly clientError: DomainError | null;
  /** Anonymous until preValidation resolves credentials; a login replaces it */
  principal: Principal;
  /** Set when credentials were presented but refused; surfaced by opOf */
  authError: DomainError | null;
  /** The request's audit entries, committed with its next unit of work or with its access row at onSend */
  readonly audit: AuditRecorder;
  /** The event a refusal of this request is recorded under (route config `audit`, else AccessDenied on protected routes) */
  auditEvent: EventType | null;
  /** A body that did not parse, raised only once the caller is authenticated and authorized */
  bodyError: DomainError | null;
  /**
   * The matched route's URL pattern (null: none matched) and config, read once at onRequest: Fastify's
   * req.routeOptions builds a new object on every access, and a request asks for them several times.
   */
  readonly routeUrl: string | null;
  readonly routeConfig: (AuditRouteConfig & { readonly accessBestEffort?: boolean }) | undefined;
}

/** The matched route's URL pattern and config (from the request's context once it has one). */
export function routeOf(req: FastifyRequest): { readonly url: string | null; readonly config: RequestContext['routeConfig'] } {
  const c = req.ctx as RequestContext | null;
  if (c) return { url: c.routeUrl, config: c.routeConfig };
  const o = req.routeOptions;
  return { url: o?.url ?? null, config: o?.config as RequestContext['routeConfig'] };
}

/**
 * Route config. `audit` declares the event of an auditable route, so refusals before the handler are
 * recorded under it. Every /api/ route is protected (authenticated before anything else) unless
 * `public`. `authorize` checks the caller's right from the path alone, before the body is validated
 * (so a bad body from someone without the right is a recorded refusal, not a 400).
 */
export interface AuditRouteConfig {
  readonly audit?: {
    readonly event: EventType;
    /** The entry's resource: a path parameter, a (string) body field, or a fixed name */
    readonly resourceParam?: string;
    readonly resourceBody?: string;
    readonly resource?: string;
    /** A body field naming the project the entry is attributed to (a project being created) */
    readonly projectBody?: string;
  };
  readonly public?: boolean;
  /** streamManager: the instance admin, or a user who is an OWNER of some project (audit streams) */
  readonly authorize?: Action | 'user' | 'admin' | 'streamManager' | 'logReader';
  /**
   * Whether a nonce-less signed GET (the SDK sends no X-Bella-Nonce, and its timestamps are whole
   * seconds) may be sent again with the same signature: 'always' on routes whose answer holds no
   * value and no log content; 'e2e' on routes returning values, only with the same X-E2E-Public-Key
   * as the first use (its values leave encrypted to that key). Elsewhere a second use is a replay.
   */
  readonly repeatable?: 'always' | 'e2e';
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
    rawBody?: string;
  }
}
