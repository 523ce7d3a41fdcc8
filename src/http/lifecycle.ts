import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { uuidv7 } from '../audit/ids.js';
import { StoreUnavailableError } from '../audit/committer.js';
import { createAuditRecorder } from '../audit/recorder.js';
import { DomainError, NOT_PERFORMED_MESSAGE } from '../kernel/errors.js';
import type { AccessDraft } from '../store/types.js';
import type { RequestContext } from './context.js';
import type { AppDeps } from './deps.js';
import { attempted, guard, isProtected } from './protect.js';
import { HTTP_STATUS } from './errors.js';
import { redactUrl } from './redact.js';
import { CLIENT_HELP, CLIENT_RE, SLUG_RE } from '../contract/log-query.js';
import { E2EE_HEADER } from '../contract/e2ee.js';

/** A client-sent X-Request-Id is honoured only in this shape; anything else gets a fresh id. */
export const REQUEST_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const slugOrNull = (v: unknown): string | null => (typeof v === 'string' && SLUG_RE.test(v) ? v : null);

/**
 * The request lifecycle: request id and context at onRequest, credentials at preValidation, and at
 * onSend the access row plus any still-queued audit rows committed durably before a byte leaves.
 */
export function registerRequestLifecycle(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('ctx', null as never);

  // Synchronous: nothing here awaits, and a callback hook costs Fastify no promise per request.
  app.addHook('onRequest', (req, reply, done) => {
    try {
      beginRequest(deps, req, reply);
    } catch (e) {
      done(e as Error);
      return;
    }
    done();
  });

  // Keep the raw body: API-key signatures cover its exact bytes.
  // JSON only: a text/plain body is a 415, not a string the schema then rejects obscurely.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    req.rawBody = text;
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      // Raised after authentication and authorization (see guard): a caller without the right gets
      // a recorded refusal, not a parse error.
      req.ctx.bodyError = new DomainError('invalid_json', 'the request body is not valid JSON');
      done(null, undefined);
    }
  });

  app.addHook('preValidation', async (req) => {
    const c = req.ctx;
    const params = (req.params ?? {}) as Record<string, unknown>;
    let projectSlug = slugOrNull(params.project);
    let resource: string | undefined;
    const audit = c.routeConfig?.audit;
    if (audit) {
      c.auditEvent = audit.event;
      const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
      const r = audit.resource ?? (audit.resourceParam ? params[audit.resourceParam] : audit.resourceBody ? body[audit.resourceBody] : undefined);
      if (typeof r === 'string') resource = r.slice(0, 512);
      const p = audit.projectBody ? body[audit.projectBody] : undefined;
      if (p !== undefined) projectSlug = slugOrNull(p);
    } else if (isProtected(req)) c.auditEvent = 'AccessDenied';
    // One scope change per request (each builds a new scope object).
    c.audit.setScope(resource === undefined ? { projectSlug, environmentSlug: slugOrNull(params.env) } : { projectSlug, environmentSlug: slugOrNull(params.env), resource });
    if (c.clientError) throw c.clientError;
    await authenticate(deps, req);
    await guard(deps, req);
    if (c.bodyError) throw c.bodyError;
  });

  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload) => finishRequest(deps, req, reply, payload));
}

/** Request id (a well-formed X-Request-Id, else a new one, always echoed) and the request's context. */
export function beginRequest(deps: AppDeps, req: FastifyRequest, reply: FastifyReply): void {
  const header = req.headers['x-request-id'];
  const requestId = typeof header === 'string' && REQUEST_ID_RE.test(header) ? header : uuidv7();
  const ua = req.headers['user-agent'];
  const userAgent = typeof ua === 'string' ? ua.slice(0, 512) : null;
  const { client, clientError } = clientOf(req);
  const ip = req.ip;
  const route = req.routeOptions;
  const ctx: RequestContext = {
    requestId,
    startedAt: process.hrtime.bigint(),
    ip,
    userAgent,
    client,
    clientError,
    principal: { kind: 'anonymous', actor: { type: 'Anonymous', id: null, email: null, name: null, ip } },
    authError: null,
    audit: createAuditRecorder({ clock: deps.clock }, { actor: () => ctx.principal.actor, requestId, userAgent, client }),
    auditEvent: null,
    bodyError: null,
    routeUrl: route?.url ?? null,
    routeConfig: route?.config as RequestContext['routeConfig'],
  };
  req.ctx = ctx;
  reply.header('x-request-id', requestId);
}

/**
 * The request's access row, with any still-queued audit rows, committed durably before a byte
 * leaves. If that fails, whatever the handler produced (a secret value, say) is replaced by a 503.
 */
export async function finishRequest(deps: AppDeps, req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const c = req.ctx;
  if (!c) return payload;
  try {
    await deps.uow.flush(c, [accessRow(deps, req, reply)]);
  } catch (e) {
    if (!(e instanceof DomainError)) return unavailableAnswer(req, reply, payload, e);
    // The request's precondition refused it (a replayed signature): nothing of the unit happened, and
    // whatever the handler produced is replaced by the refusal, recorded as Denied under the route's event.
    destroy(payload);
    reply.code(HTTP_STATUS[e.code]);
    reply.header('content-type', 'application/json; charset=utf-8');
    reply.removeHeader('content-disposition');
    reply.removeHeader('content-length');
    const actor = (e as { actor?: RequestContext['principal']['actor'] }).actor;
    if (actor) c.principal = { kind: 'anonymous', actor };
    if (c.auditEvent) c.audit.record({ event: c.auditEvent, outcome: 'Denied', reason: e.extra.reason ?? 'unauthenticated', details: attempted(req) });
    try {
      await deps.uow.flush(c, [accessRow(deps, req, reply)]);
    } catch (e2) {
      return unavailableAnswer(req, reply, null, e2);
    }
    return JSON.stringify({ error: { code: e.code, message: e.message, requestId: c.requestId } });
  }
  // The receipt: the seqs of this request's durable Audit Log entries, for a later inclusion proof.
  if (c.audit.receipts.length > 0) reply.header('bella-audit-entry', c.audit.receipts.join(', '));
  return payload;
}

const destroy = (payload: unknown) => {
  if (payload && typeof (payload as { destroy?: unknown }).destroy === 'function') (payload as { destroy: () => void }).destroy();
};

/** The request's Access Log row, as the reply stands now. */
function accessRow(deps: AppDeps, req: FastifyRequest, reply: FastifyReply): AccessDraft {
  const c = req.ctx;
  return {
    id: uuidv7(),
    timestamp: deps.clock().toISOString(),
    requestId: c.requestId,
    method: req.method,
    route: c.routeUrl,
    path: redactUrl(req.url, reply.statusCode < 400).slice(0, 2048),
    status: reply.statusCode,
    durationMs: Math.round(Number(process.hrtime.bigint() - c.startedAt) / 1e4) / 100,
    actor: c.client ? { ...c.principal.actor, client: c.client } : c.principal.actor,
    userAgent: c.userAgent,
    projectSlug: c.audit.scope.projectSlug,
    environmentSlug: c.audit.scope.environmentSlug,
  };
}

/** The fail-closed answer when the request's rows cannot be made durable: 503, whatever the handler produced. */
function unavailableAnswer(req: FastifyRequest, reply: FastifyReply, payload: unknown, e: unknown): unknown {
  const c = req.ctx;
  if (c.routeConfig?.accessBestEffort) return payload;
  destroy(payload);
  const msg = e instanceof StoreUnavailableError ? e.message : 'audit commit failed';
  req.log.error({ requestId: c.requestId, err: msg }, 'audit/access rows not durable; answering 503');
  reply.code(503);
  reply.header('content-type', 'application/json; charset=utf-8');
  reply.removeHeader('content-disposition');
  reply.removeHeader('content-length');
  // A change committed earlier in this request (with its audit rows) did happen: never claim otherwise.
  const error = c.audit.committed
    ? {
        code: 'audit_unavailable',
        message: "the operation was performed and is in the Audit Log, but this request's Access Log row cannot be written right now; check the result before retrying",
        requestId: c.requestId,
        details: { applied: true },
      }
    : { code: 'audit_unavailable', message: NOT_PERFORMED_MESSAGE, requestId: c.requestId };
  return JSON.stringify({ error });
}

/**
 * The calling application: X-App-Client (the application's own name, e.g. the SDK's appClient or
 * `bella run --app`), else X-Bella-Client (the client library: bella-js-sdk, bella-cli). A malformed
 * one is refused (400) rather than recorded altered or dropped.
 */
const CLIENT_HEADERS = ['x-app-client', 'x-bella-client'] as const;
const NO_CLIENT = Object.freeze({ client: null, clientError: null });
function clientOf(req: FastifyRequest): { client: string | null; clientError: DomainError | null } {
  for (const name of CLIENT_HEADERS) {
    const v = req.headers[name];
    if (v === undefined) continue;
    if (typeof v === 'string' && CLIENT_RE.test(v)) return { client: v, clientError: null };
    const header = name === 'x-app-client' ? 'X-App-Client' : 'X-Bella-Client';
    return { client: null, clientError: new DomainError('validation_failed', `headers: ${header} must be an application name: ${CLIENT_HELP}`) };
  }
  return NO_CLIENT;
}

/** What a nonce-less signed GET may be repeated with (the route's AuditRouteConfig.repeatable); null: never. */
function repeatBinding(req: FastifyRequest, e2eKey: string | null): string | null {
  if (req.method !== 'GET' || req.headers['x-bella-nonce'] !== undefined) return null;
  const r = req.ctx.routeConfig?.repeatable;
  if (r === 'always') return 'always';
  if (r === 'e2e' && e2eKey !== null) return `e2e:${e2eKey}`;
  return null;
}

const headerText = (v: string | string[] | undefined): string | null => (typeof v === 'string' ? v : null);

/** Resolves the caller from the request's headers; a refusal is kept for opOf, so public routes still work. */
async function authenticate(deps: AppDeps, req: FastifyRequest): Promise<void> {
  const hs = req.headers;
  const keyId = headerText(hs['x-bella-key-id']);
  try {
    const p = await deps.authenticator.resolve({
      authorization: headerText(hs.authorization),
      keyId,
      timestamp: headerText(hs['x-bella-timestamp']),
      signature: headerText(hs['x-bella-signature']),
      nonce: headerText(hs['x-bella-nonce']),
      // Only a signed request can be a repeat.
      repeat: keyId === null ? null : repeatBinding(req, headerText(hs[E2EE_HEADER])),
      method: req.method,
      url: req.url,
      rawBody: req.rawBody ?? '',
      ip: req.ctx.ip,
    });
    if (p) {
      req.ctx.principal = p.principal;
      // A signature's single use is claimed by the request's first unit of work (its change, or at
      // the end its audit and access rows): one group commit, like any request.
      req.ctx.audit.precondition = p.claim;
    }
  } catch (e) {
    if (e instanceof DomainError) req.ctx.authError = e;
    else throw e;
  }
}
