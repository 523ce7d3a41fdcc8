import { createHmac } from 'node:crypto';
import { parseIssuedToken, type IssuedTokenKind } from '../contract/issued-tokens.js';
import { NONCE_RE, SIGNATURE_MAX_SKEW_SECONDS, parseApiKey, sdkStringToSign, signatureForm, stringToSign, timestampSeconds } from '../contract/signing.js';
import type { Clock } from '../kernel/clock.js';
import type { Authenticated, Principal } from '../kernel/context.js';
import { DomainError, unauthenticated } from '../kernel/errors.js';
import type { KeyRing } from '../secrets/envelope.js';
import type { Store, StoreTx } from '../store/ports.js';
import type { ApiKeyRow, EnvironmentRow, IssuedTokenRow, ProjectRow } from '../store/types.js';
import type { ReplayGuard } from './replay-guard.js';
import { SESSION_TOKEN_RE, matchesSha256, safeEqualHex, sha256hex } from './tokens.js';

/**
 * One answer for an unknown key and a known key with a wrong secret or signature, so a caller cannot
 * probe which key ids exist; the Denied entry's reason keeps the difference.
 */
const KEY_NOT_VALID = 'the API key or its signature is not valid';

/** KeyRing purpose of the SDK's wrapped HMAC key (api-key-service.ts seals it, this file opens it). */
export const SDK_KEY_PURPOSE = 'api-key-sdk-signing:';

/** What a caller presented, as plain values (src/http/ reads them off the request). */
export interface Credentials {
  /** The Authorization header */
  readonly authorization: string | null;
  /** X-Bella-Key-Id / X-Bella-Timestamp / X-Bella-Signature of an HMAC-signed request */
  readonly keyId: string | null;
  readonly timestamp: string | null;
  readonly signature: string | null;
  /** X-Bella-Nonce: makes each signed request unique (and so not a replay of an identical one) */
  readonly nonce?: string | null;
  /**
   * For a nonce-less signed GET the route lets repeat: what a second use of the same signature must
   * match ('always', or 'e2e:' + the X-E2E-Public-Key). Null or absent: a second use is a replay.
   */
  readonly repeat?: string | null;
  readonly method: string;
  /** Path and query exactly as sent (the signature covers them) */
  readonly url: string;
  /** The body's exact bytes as text (the signature covers them) */
  readonly rawBody: string;
  readonly ip: string;
}

/** A refusal that still knows who tried (a revoked key is recorded under its own id). */
/**
 * A refused credential. `actor` names the key or token that tried; `scope` the project and environment
 * it belongs to, so the Denied entry shows in that project's Audit Log even on a route without one
 * (the CLI's first request with a revoked key is GET /auth/whoami).
 */
export type AuthError = DomainError & { readonly actor?: Principal['actor']; readonly scope?: { readonly projectSlug: string | null; readonly environmentSlug: string | null } };

/** A caller proven by its credentials, and what its request must commit for them to hold (a signature's single use). */
export interface Resolved {
  readonly principal: Authenticated;
  /** Runs in the request's first unit of work (AuditRecorder.precondition); null: nothing to claim */
  readonly claim: ((tx: StoreTx) => Promise<void>) | null;
}

export interface Authenticator {
  /** The principal the credentials prove, null when none were presented; throws an AuthError when refused. */
  resolve(c: Credentials): Promise<Resolved | null>;
}

const TOKEN_NOT_VALID = 'the token is not valid';

/** Who a lease or trust token acts as in both logs. */
export function issuedTokenActor(row: IssuedTokenRow, ip: string | null): Principal['actor'] {
  return row.kind === 'lease'
    ? // A lease is recorded under its id, named after the person who issued it (so --actor finds it).
      { type: 'Lease', id: row.id, email: null, name: row.createdBy, ip }
    : // A trust token is recorded under the OIDC subject it was exchanged for, named after its trust domain.
      { type: 'TrustToken', id: row.subject, email: null, name: row.trustDomainName, ip };
}

/** Bearer session tokens, Bearer bax- API keys, HMAC-signed API-key requests, leases and trust tokens. */
export function createAuthenticator(deps: {
  readonly store: Pick<Store, 'users' | 'apiKeys' | 'projects' | 'issuedTokens'>;
  readonly keyring: KeyRing;
  readonly clock: Clock;
  readonly replay: ReplayGuard;
  /**
   * Makes the store's read cache current (store/read-cache.ts) before the credentials are looked up:
   * a revocation committed on any node before this request arrived holds for it.
   */
  readonly fence?: () => Promise<void>;
}): Authenticator {
  const { store } = deps;

  /** The project and environment a refused credential belongs to (null where they no longer exist). */
  async function scopeOf(row: { readonly projectId: string; readonly environmentId: string }) {
    return {
      projectSlug: (await store.projects.getById(row.projectId))?.slug ?? null,
      environmentSlug: (await store.projects.getEnvironmentById(row.environmentId))?.slug ?? null,
    };
  }

  /**
   * The project and environment of a credential's row. Remembered per row object: the read cache
   * (store/read-cache.ts) hands out the same row object only until anything that could change it, the
   * project or the environment commits (it then drops every row at once and a later read is a new
   * object), so a remembered pair is as current as the row itself; without the cache every read is a
   * new object and nothing is reused. Null: one of them no longer exists (never remembered).
   */
  const homes = new WeakMap<object, { readonly project: ProjectRow; readonly environment: EnvironmentRow }>();
  async function homeOf(row: ApiKeyRow | IssuedTokenRow): Promise<{ readonly project: ProjectRow; readonly environment: EnvironmentRow } | null> {
    const known = homes.get(row);
    if (known) return known;
    const project = await store.projects.getById(row.projectId);
    const environment = await store.projects.getEnvironmentById(row.environmentId);
    if (!project || !environment) return null;
    const home = { project, environment };
    homes.set(row, home);
    return home;
  }

  async function keyPrincipal(row: ApiKeyRow, ip: string): Promise<Authenticated> {
    const actor = { type: 'ApiKey' as const, id: row.id, email: null, name: row.name, ip };
    if (row.revokedAt) {
      // Revocation is checked on every request, so a revoked key fails on the very next one.
      throw Object.assign(unauthenticated('the API key has been revoked', 'api_key_revoked'), { actor, scope: await scopeOf(row) });
    }
    const home = await homeOf(row);
    if (!home) throw unauthenticated(KEY_NOT_VALID, 'invalid_api_key');
    const { project, environment } = home;
    return { kind: 'apiKey', apiKey: row, projectSlug: project.slug, environmentSlug: environment.slug, project, environment, actor };
  }

  /** bax-lease-… and bax-trust-…: looked up on every request, so a revocation or an expiry holds on the very next one. */
  async function issuedPrincipal(kind: IssuedTokenKind, id: string, secret: string, ip: string): Promise<Authenticated> {
    const row = await store.issuedTokens.get(id);
    if (!row || row.kind !== kind || !matchesSha256(row.tokenHash, secret)) throw unauthenticated(TOKEN_NOT_VALID, 'invalid_token');
    const actor = issuedTokenActor(row, ip);
    const lease = kind === 'lease';
    if (row.revokedAt) {
      throw Object.assign(unauthenticated(lease ? `the lease was revoked at ${row.revokedAt}` : 'the trust token was revoked', lease ? 'lease_revoked' : 'invalid_token'), { actor, scope: await scopeOf(row) });
    }
    if (row.expiresAt <= deps.clock().toISOString()) {
      throw Object.assign(
        unauthenticated(`the ${lease ? 'lease' : 'trust token'} expired at ${row.expiresAt}`, lease ? 'lease_expired' : 'trust_token_expired'),
        { actor, scope: await scopeOf(row) },
      );
    }
    const home = await homeOf(row);
    if (!home) throw unauthenticated(TOKEN_NOT_VALID, 'invalid_token');
    const { project, environment } = home;
    return { kind: lease ? 'lease' : 'trustToken', actor, token: row, projectSlug: project.slug, environmentSlug: environment.slug, project, environment };
  }

  async function signed(c: Credentials, keyId: string): Promise<Resolved> {
    const ts = c.timestamp;
    const sig = c.signature;
    const nonceOk = c.nonce === null || c.nonce === undefined || NONCE_RE.test(c.nonce);
    const form = ts === null ? null : signatureForm(ts);
    if (!/^[0-9a-f]{16}$/.test(keyId) || ts === null || sig === null || form === null || !/^[0-9a-f]{64}$/.test(sig) || !nonceOk) {
      throw unauthenticated(
        'a signed request needs X-Bella-Key-Id (16 hex), X-Bella-Timestamp (Unix seconds, or ISO 8601 UTC such as 2026-01-01T00:00:00Z) and X-Bella-Signature (64 hex), and an X-Bella-Nonce if any of 16–64 letters, digits, _ or -',
        'malformed_signature',
      );
    }
    const seconds = timestampSeconds(ts);
    const skew = Math.abs(deps.clock().getTime() / 1000 - seconds);
    if (skew > SIGNATURE_MAX_SKEW_SECONDS) {
      throw unauthenticated(`the request timestamp is ${Math.round(skew)} s away from the server clock (at most ${SIGNATURE_MAX_SKEW_SECONDS} s allowed)`, 'signature_expired');
    }
    const row = await store.apiKeys.get(keyId);
    if (!row) throw unauthenticated(KEY_NOT_VALID, 'invalid_api_key');
    const q = c.url.indexOf('?');
    const path = q < 0 ? c.url : c.url.slice(0, q);
    const search = q < 0 ? '' : c.url.slice(q + 1);
    let expected: string;
    if (form === 'bella') {
      const signingKey = deps.keyring.openInstance(row.wrappedSigningKey, `api-key-signing:${row.id}`);
      expected = createHmac('sha256', signingKey).update(stringToSign(c.method, path, search, ts, c.rawBody, c.nonce)).digest('hex');
    } else {
      // The SDK signs with the secret itself; a key made before the server kept it (wrapped) cannot verify.
      if (!row.wrappedSdkKey) throw unauthenticated(KEY_NOT_VALID, 'legacy_api_key');
      const sdkKey = deps.keyring.openInstance(row.wrappedSdkKey, `${SDK_KEY_PURPOSE}${row.id}`);
      expected = createHmac('sha256', sdkKey).update(sdkStringToSign(c.method, path, search, ts, c.rawBody, c.nonce)).digest('hex');
    }
    if (!safeEqualHex(expected, sig)) throw unauthenticated(KEY_NOT_VALID, 'bad_signature');
    const principal = await keyPrincipal(row, c.ip);
    // Last, so only a request that would otherwise be accepted uses up its signature; the use is
    // recorded by the request's own first unit of work (replay-guard.ts).
    return { principal, claim: deps.replay.claim(row.id, sig, seconds, c.repeat ?? null, principal.actor) };
  }

  async function bearer(c: Credentials): Promise<Authenticated | null> {
    if (c.authorization === null) return null;
    const m = /^Bearer (\S+)$/i.exec(c.authorization.trim());
    if (!m) throw unauthenticated('the Authorization header must be "Bearer <session token or API key>"', 'malformed_authorization');
    const token = m[1] as string;
    const key = parseApiKey(token);
    if (key) {
      const row = await store.apiKeys.get(key.id);
      if (!row || !matchesSha256(row.secretHash, key.secret)) throw unauthenticated(KEY_NOT_VALID, 'invalid_api_key');
      return keyPrincipal(row, c.ip);
    }
    const issued = parseIssuedToken(token);
    if (issued) return issuedPrincipal(issued.kind, issued.id, issued.secret, c.ip);
    if (!SESSION_TOKEN_RE.test(token)) throw unauthenticated('the bearer token is neither a session token, a bax- API key, a lease nor a trust token', 'malformed_token');
    const session = await store.users.getSession(sha256hex(token));
    if (!session) throw unauthenticated('the session is not valid; log in again', 'invalid_session');
    if (session.revokedAt) throw unauthenticated('the session was logged out; log in again', 'session_revoked');
    if (session.expiresAt <= deps.clock().toISOString()) throw unauthenticated('the session has expired; log in again', 'session_expired');
    const user = await store.users.getById(session.userId);
    if (!user) throw unauthenticated('the session user no longer exists', 'invalid_session');
    return { kind: 'user', user, sessionHash: session.tokenHash, actor: { type: 'User', id: user.id, email: user.email, name: user.name, ip: c.ip } };
  }

  return {
    async resolve(c) {
      if (deps.fence) await deps.fence();
      if (c.keyId !== null) return signed(c, c.keyId);
      const principal = await bearer(c);
      return principal && { principal, claim: null };
    },
  };
}

/** A user session, or the refusal an API key (or the System) gets for a person-only action. */
export function requireUser(p: Authenticated): Extract<Authenticated, { kind: 'user' }> {
  if (p.kind !== 'user') throw new DomainError('forbidden', 'this action needs a user session, not an API key', { reason: 'api_key_not_allowed' });
  return p;
}
