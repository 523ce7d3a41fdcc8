import type { FastifyRequest } from 'fastify';
import { createHmac } from 'node:crypto';
import { SIGNATURE_MAX_SKEW_SECONDS, parseApiKey, stringToSign } from '../contract/signing.js';
import type { Principal } from '../http/context.js';
import type { AppDeps } from '../http/deps.js';
import { AppError, unauthenticated } from '../http/errors.js';
import type { ApiKeyRow } from '../store/types.js';
import { SESSION_TOKEN_RE, safeEqualHex, sha256hex } from './tokens.js';

const header = (req: FastifyRequest, name: string): string | null => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
};

/**
 * Resolves the caller from `Authorization: Bearer` (session token or bax- key) or the HMAC headers.
 * A refusal is kept in ctx.authError rather than thrown, so public routes still work and protected
 * routes raise it (and audit it) through requireAuth.
 */
export async function authenticate(deps: AppDeps, req: FastifyRequest): Promise<void> {
  try {
    const p = await resolve(deps, req);
    if (p) req.ctx.principal = p;
  } catch (e) {
    if (e instanceof AppError) req.ctx.authError = e;
    else throw e;
  }
}

async function resolve(deps: AppDeps, req: FastifyRequest): Promise<Principal | null> {
  const ip = req.ctx.ip;
  const keyId = header(req, 'x-bella-key-id');
  if (keyId !== null) return signed(deps, req, keyId);
  const auth = header(req, 'authorization');
  if (auth === null) return null;
  const m = /^Bearer (\S+)$/i.exec(auth.trim());
  if (!m) throw unauthenticated('the Authorization header must be "Bearer <session token or API key>"', 'malformed_authorization');
  const token = m[1] as string;
  const key = parseApiKey(token);
  if (key) {
    const row = await deps.store.apiKeys.get(key.id);
    if (!row || !safeEqualHex(row.secretHash, sha256hex(key.secret))) throw unauthenticated('the API key is not valid', 'invalid_api_key');
    return keyPrincipal(deps, row, ip);
  }
  if (!SESSION_TOKEN_RE.test(token)) throw unauthenticated('the bearer token is neither a session token nor a bax- API key', 'malformed_token');
  const session = await deps.store.users.getSession(sha256hex(token));
  if (!session) throw unauthenticated('the session is not valid; log in again', 'invalid_session');
  if (session.revokedAt) throw unauthenticated('the session was logged out; log in again', 'session_revoked');
  if (session.expiresAt <= deps.clock().toISOString()) throw unauthenticated('the session has expired; log in again', 'session_expired');
  const user = await deps.store.users.getById(session.userId);
  if (!user) throw unauthenticated('the session user no longer exists', 'invalid_session');
  return {
    kind: 'user',
    user,
    sessionHash: session.tokenHash,
    actor: { type: 'User', id: user.id, email: user.email, name: user.name, ip },
  };
}

async function signed(deps: AppDeps, req: FastifyRequest, keyId: string): Promise<Principal> {
  const ts = header(req, 'x-bella-timestamp');
  const sig = header(req, 'x-bella-signature');
  if (!/^[0-9a-f]{16}$/.test(keyId) || ts === null || sig === null || !/^\d{1,12}$/.test(ts) || !/^[0-9a-f]{64}$/.test(sig)) {
    throw unauthenticated(
      'a signed request needs X-Bella-Key-Id (16 hex), X-Bella-Timestamp (Unix seconds) and X-Bella-Signature (64 hex)',
      'malformed_signature',
    );
  }
  const skew = Math.abs(deps.clock().getTime() / 1000 - Number(ts));
  if (skew > SIGNATURE_MAX_SKEW_SECONDS) {
    throw unauthenticated(`the request timestamp is ${Math.round(skew)} s away from the server clock (at most ${SIGNATURE_MAX_SKEW_SECONDS} s allowed)`, 'signature_expired');
  }
  const row = await deps.store.apiKeys.get(keyId);
  if (!row) throw unauthenticated('the API key is not valid', 'invalid_api_key');
  const signingKey = deps.keyring.openInstance(row.wrappedSigningKey, `api-key-signing:${row.id}`);
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const search = q < 0 ? '' : req.url.slice(q + 1);
  const expected = createHmac('sha256', signingKey)
    .update(stringToSign(req.method, path, search, ts, req.rawBody ?? ''))
    .digest('hex');
  if (!safeEqualHex(expected, sig)) throw unauthenticated('the request signature does not match', 'bad_signature');
  return keyPrincipal(deps, row, req.ctx.ip);
}

async function keyPrincipal(deps: AppDeps, row: ApiKeyRow, ip: string): Promise<Principal> {
  const actor = { type: 'ApiKey' as const, id: row.id, email: null, name: row.name, ip };
  if (row.revokedAt) {
    // Revocation is checked on every request, so a revoked key fails on the very next one.
    const e = unauthenticated('the API key has been revoked', 'api_key_revoked');
    throw Object.assign(e, { actor });
  }
  const project = await deps.store.projects.getById(row.projectId);
  const env = await deps.store.projects.getEnvironmentById(row.environmentId);
  if (!project || !env) throw unauthenticated('the API key is not valid', 'invalid_api_key');
  return { kind: 'apiKey', apiKey: row, projectSlug: project.slug, environmentSlug: env.slug, project, environment: env, actor };
}

/** The authenticated caller, or the refusal (recorded as Denied on auditable routes). */
export function requireAuth(req: FastifyRequest): Exclude<Principal, { kind: 'anonymous' }> {
  if (req.ctx.authError) {
    const actor = (req.ctx.authError as AppError & { actor?: Principal['actor'] }).actor;
    if (actor) req.ctx.principal = { kind: 'anonymous', actor };
    throw req.ctx.authError;
  }
  const p = req.ctx.principal;
  if (p.kind === 'anonymous') throw unauthenticated('authentication required: log in (POST /api/v1/auth/login) or send an API key', 'unauthenticated');
  return p;
}

export function requireUser(req: FastifyRequest): Extract<Principal, { kind: 'user' }> {
  const p = requireAuth(req);
  if (p.kind !== 'user') throw new AppError('forbidden', 'this action needs a user session, not an API key', { reason: 'api_key_not_allowed' });
  return p;
}
