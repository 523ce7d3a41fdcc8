import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { uuidv7 } from '../audit/ids.js';
import { createAuditRecorder } from '../audit/recorder.js';
import { ERROR_CODES, type ErrorCode } from '../kernel/errors.js';
import type { AccessDraft } from '../store/types.js';
import type { AppDeps } from './deps.js';
import { HTTP_STATUS } from './errors.js';
import { beginRequest, finishRequest } from './lifecycle.js';
import { redactUrl } from './redact.js';

/** Longest path segment (a route parameter): every documented name fits, percent-encoded (256-character key × 3). */
export const MAX_PARAM_LENGTH = 1024;

const envelope = (code: ErrorCode, message: string, requestId: string) => JSON.stringify({ error: { code, message, requestId } });

/**
 * Requests Fastify refuses before routing (a path that is not valid percent-encoded UTF-8, a path
 * segment over MAX_PARAM_LENGTH) get the same treatment as every other request: the error
 * envelope, a request id and an access row, committed before the answer leaves.
 */
export function frameworkErrorHandler(deps: AppDeps) {
  return async (err: FastifyError, req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    beginRequest(deps, req, reply);
    const [code, message]: [ErrorCode, string] =
      err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? ['uri_too_long', `a path segment is longer than ${MAX_PARAM_LENGTH} characters`]
        : ['validation_failed', 'the URL is not valid: a path segment is not valid percent-encoded UTF-8'];
    reply.code(HTTP_STATUS[code]);
    reply.header('content-type', 'application/json; charset=utf-8');
    const body = await finishRequest(deps, req, reply, envelope(code, message, req.ctx.requestId));
    reply.send(body);
  };
}

/** The method and path of a request line Node could not parse as HTTP, if it has one. */
function requestLine(raw: unknown): { method: string; path: string } {
  const m = Buffer.isBuffer(raw) ? /^([A-Z]{1,16}) (\S{1,2048}) HTTP\/1\.[01]\r?\n/.exec(raw.subarray(0, 2100).toString('latin1')) : null;
  return m ? { method: m[1] as string, path: redactUrl(m[2] as string, false) } : { method: '-', path: '-' };
}

/**
 * Requests Node's HTTP parser refuses (headers over 16 KiB: 431; a request or its headers not in
 * time: 408; malformed HTTP: 400) never reach Fastify: they still get the envelope, a request id and
 * an access row. A socket that is already gone is just closed.
 */
export function clientErrorHandler(deps: AppDeps) {
  return (err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [code, status, message]: [ErrorCode | null, number, string] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? ['headers_too_large', 431, ERROR_CODES.headers_too_large]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [null, 408, 'the request did not arrive in time']
          : ['validation_failed', 400, 'the request is not valid HTTP/1.1'];
    const requestId = uuidv7();
    const ip = socket.remoteAddress ?? null;
    const { method, path } = requestLine(err.rawPacket);
    const access: AccessDraft = {
      id: uuidv7(), timestamp: deps.clock().toISOString(), requestId, method, route: null, path, status, durationMs: 0,
      actor: { type: 'Anonymous', id: null, email: null, name: null, ip }, userAgent: null, projectSlug: null, environmentSlug: null,
    };
    const audit = createAuditRecorder({ clock: deps.clock }, { actor: () => access.actor, requestId, userAgent: null });
    const body = JSON.stringify({ error: { code: code ?? 'validation_failed', message, requestId } });
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    const answer = () =>
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
    // The answer carries nothing sensitive: it goes out even when the access row cannot be written.
    deps.uow.flush({ audit }, [access]).then(answer, answer);
  };
}
