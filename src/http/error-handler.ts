import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, type ErrorCode } from '../kernel/errors.js';
import type { AppDeps } from './deps.js';
import { HTTP_STATUS } from './errors.js';
import { attempted } from './protect.js';

/** Turns a validation issue list into one readable sentence: `body.role: must be one of …`. */
function describeValidation(err: FastifyError & { validation?: unknown; validationContext?: string }, accepted: readonly string[]): string {
  const issues = (err.validation ?? []) as { instancePath?: string; message?: string; params?: { issue?: { path?: unknown[] } } }[];
  const where = err.validationContext ?? 'request';
  const parts = issues.slice(0, 5).map((i) => {
    const path = i.instancePath ? i.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    let msg = (i.message ?? 'is invalid').replace(/^Invalid input: /, '');
    if (where === 'body' && !path && /received (undefined|null)$/.test(msg)) msg = 'missing: send a JSON object';
    if (/^Unrecognized key/.test(msg) && accepted.length) msg += ` (accepted: ${accepted.join(', ')})`;
    return `${where}${path ? `.${path}` : ''}: ${msg}`;
  });
  return parts.length ? parts.join('; ') : `${where} is invalid`;
}

/** The keys a route's schema accepts in the failing part (querystring, body…), to say what is allowed. */
function acceptedKeys(req: FastifyRequest, err: { validationContext?: string }): string[] {
  const schema = (req.routeOptions.schema as Record<string, unknown> | undefined)?.[err.validationContext ?? ''];
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function toDomainError(err: FastifyError, req: FastifyRequest): DomainError | null {
  if (err instanceof DomainError) return err;
  const v = err as FastifyError & { validation?: unknown; validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(err) || v.validation) {
    return new DomainError('validation_failed', describeValidation(v, acceptedKeys(req, v)));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError('payload_too_large', 'the request body is larger than the 512 KiB limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DomainError('unsupported_media_type', 'the request body must be sent as Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DomainError('invalid_json', 'the request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DomainError('validation_failed', 'the Content-Length header does not match the body');
    default:
      break;
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new DomainError('validation_failed', err.message.replace(/[\r\n]+/g, ' ').slice(0, 300));
  }
  return null;
}

/** Every auditable request that is refused leaves a Denied entry with a machine-readable reason. */
function recordRefusal(req: FastifyRequest, e: DomainError): void {
  if (!req.ctx?.auditEvent) return;
  // A refusal by policy carries its reason even when the status is 400 (a weak SSH key, say).
  if (e.code !== 'forbidden' && e.code !== 'unauthenticated' && !e.extra.reason) return;
  if (req.ctx.audit.hasDenied()) return;
  req.ctx.audit.record({
    event: req.ctx.auditEvent,
    outcome: 'Denied',
    reason: e.extra.reason ?? (e.code === 'unauthenticated' ? 'unauthenticated' : 'insufficient_role'),
    details: { ...req.ctx.audit.scope.details, ...attempted(req), ...(e.extra.action ? { action: e.extra.action } : {}) },
  });
}

export function registerErrorHandling(app: FastifyInstance, _deps: AppDeps): void {
  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const e = toDomainError(err, req);
    const requestId = req.ctx?.requestId ?? req.id;
    if (!e) {
      req.log.error({ requestId, err: { message: err.message, stack: err.stack } }, 'unhandled error');
      return reply.code(500).send({
        error: { code: 'internal' satisfies ErrorCode, message: `internal error; quote request id ${requestId}`, requestId },
      });
    }
    recordRefusal(req, e);
    if (e.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.extra.retryAfterSeconds));
    const body: Record<string, unknown> = { code: e.code, message: e.message, requestId };
    if (e.extra.details !== undefined) body.details = e.extra.details;
    // A 403 says why in machine-readable form too, so a client can say what to do next (the CLI's
    // hints). Never a 401's: it would tell an unknown key id from a bad signature (hardening.test.ts).
    if (e.extra.reason !== undefined && e.code === 'forbidden') body.reason = e.extra.reason;
    return reply.code(HTTP_STATUS[e.code]).send({ error: body });
  });

  app.setNotFoundHandler(async (req, reply) => {
    const requestId = req.ctx?.requestId ?? req.id;
    return reply.code(404).send({
      error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}; see docs/api.md`, requestId },
    });
  });
}
