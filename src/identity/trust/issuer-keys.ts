import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../kernel/clock.js';

/** How long a discovery document (and the key set it names) is reused before it is fetched again. */
const DISCOVERY_MAX_AGE_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_DISCOVERY_BYTES = 64 * 1024;

/** The issuer's discovery document or keys could not be fetched (or were unusable). */
export class IssuerUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssuerUnreachableError';
  }
}

/** A loopback host: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Whether the server may fetch from this URL: https, or http to a loopback host when allowed. */
export function fetchableUrl(url: string, allowHttpLoopback: boolean): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' || (u.protocol === 'http:' && allowHttpLoopback && isLoopbackHost(u.hostname));
}

export interface IssuerKeys {
  /** The issuer's key set (discovery document → jwks_uri), cached; throws IssuerUnreachableError */
  keysFor(issuer: string): Promise<JWTVerifyGetKey>;
}

/**
 * Issuers' signing keys, from `{issuer}/.well-known/openid-configuration` and its `jwks_uri`. jose's
 * remote key set caches the keys and, on a token whose `kid` it does not know, fetches them once more,
 * at most once per `cooldownSeconds` (so forged kids cannot make the server hammer the issuer).
 */
export function createIssuerKeys(deps: { readonly clock: Clock; readonly allowHttpLoopback: boolean; readonly cooldownSeconds: number }): IssuerKeys {
  const cache = new Map<string, { keys: JWTVerifyGetKey; at: number }>();

  async function discover(issuer: string): Promise<string> {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error', headers: { accept: 'application/json' } });
      if (!res.ok) throw new IssuerUnreachableError(`the issuer's discovery document ${url} answered HTTP ${res.status}`);
      const text = await res.text();
      if (text.length > MAX_DISCOVERY_BYTES) throw new IssuerUnreachableError(`the issuer's discovery document ${url} is larger than ${MAX_DISCOVERY_BYTES} bytes`);
      doc = JSON.parse(text) as typeof doc;
    } catch (e) {
      if (e instanceof IssuerUnreachableError) throw e;
      throw new IssuerUnreachableError(`the issuer's discovery document ${url} could not be fetched (${e instanceof Error ? e.message : String(e)})`);
    }
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
    if (doc.issuer !== issuer) throw new IssuerUnreachableError(`the discovery document at ${url} names another issuer`);
    if (typeof doc.jwks_uri !== 'string' || !fetchableUrl(doc.jwks_uri, deps.allowHttpLoopback)) {
      throw new IssuerUnreachableError(`the discovery document at ${url} has no usable jwks_uri (https, or http on loopback)`);
    }
    return doc.jwks_uri;
  }

  return {
    async keysFor(issuer) {
      if (!fetchableUrl(issuer, deps.allowHttpLoopback)) throw new IssuerUnreachableError(`the issuer ${issuer} is not https (http is accepted only on loopback, when allowed)`);
      const now = deps.clock().getTime();
      const hit = cache.get(issuer);
      if (hit && now - hit.at < DISCOVERY_MAX_AGE_MS) return hit.keys;
      let jwksUri: string;
      try {
        jwksUri = await discover(issuer);
      } catch (e) {
        if (hit) return hit.keys; // a stale key set is better than none while the issuer is briefly away
        throw e;
      }
      const keys = createRemoteJWKSet(new URL(jwksUri), {
        cooldownDuration: deps.cooldownSeconds * 1000,
        cacheMaxAge: DISCOVERY_MAX_AGE_MS,
        timeoutDuration: FETCH_TIMEOUT_MS,
      });
      // Bounded: one entry per issuer named by some trust domain, in practice a handful.
      if (cache.size > 1000) cache.clear();
      cache.set(issuer, { keys, at: now });
      return keys;
    },
  };
}
