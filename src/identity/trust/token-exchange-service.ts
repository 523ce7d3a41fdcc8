import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Actor } from '../../contract/entries.js';
import type { TokenExchangeResponse, TrustRejection } from '../../contract/trust.js';
import { firstUnsafeChar } from '../../contract/text-safety.js';
import type { UnitOfWork } from '../../audit/unit-of-work.js';
import type { Clock } from '../../kernel/clock.js';
import type { OpContext } from '../../kernel/context.js';
import { DomainError, type ErrorCode } from '../../kernel/errors.js';
import type { Store } from '../../store/ports.js';
import type { IssuedTokenRow, TrustDomainRow } from '../../store/types.js';
import { sha256hex } from '../tokens.js';
import { claimValue, firstFailingRule } from './claim-rules.js';
import { IssuerUnreachableError, type IssuerKeys } from './issuer-keys.js';

/** Asymmetric algorithms only: no `none`, and no HMAC (a public key used as an HMAC secret would verify a forgery). */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
/** Clock skew allowed on exp, nbf and iat. */
export const CLOCK_SKEW_SECONDS = 60;
/** The longest-lived OIDC token accepted (exp − iat): CI tokens live minutes, and each jti is kept until exp. */
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;
/** Exchanges per issuer and subject per minute (per server node). */
export const EXCHANGES_PER_MINUTE = 10;
/** Claims kept in TrustTokenIssued for investigations (GitHub Actions' names; others when present). */
const FORENSIC_CLAIMS = [
  'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'ref', 'ref_type', 'sha', 'job_workflow_ref', 'workflow_ref',
  'run_id', 'run_attempt', 'environment', 'actor', 'event_name', 'runner_environment', 'client_id', 'azp',
] as const;

/** Text from a token, made fit for a log: control characters replaced, length bounded. */
function logText(v: unknown, max = 500): string | null {
  if (v === undefined || v === null) return null;
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s.length > max) s = `${s.slice(0, max)}…`;
  while (firstUnsafeChar(s) !== null) s = s.replace(firstUnsafeChar(s) as string, '\uFFFD');
  return s;
}

const STATUS: Readonly<Record<TrustRejection, ErrorCode>> = {
  not_a_jwt: 'not_a_jwt',
  algorithm_not_allowed: 'token_rejected',
  no_matching_trust_domain: 'token_rejected',
  issuer_unreachable: 'issuer_unreachable',
  signature_invalid: 'token_rejected',
  token_expired: 'token_rejected',
  token_not_yet_valid: 'token_rejected',
  token_claim_missing: 'token_rejected',
  token_audience_mismatch: 'token_rejected',
  claim_rule_not_accepted: 'forbidden',
  token_replayed: 'token_rejected',
  token_lifetime_too_long: 'token_rejected',
  exchange_rate_limited: 'too_many_exchanges',
};

/** A per-node sliding window of exchanges per issuer and subject, bounded in memory. */
function createExchangeLimiter(clock: Clock) {
  const hits = new Map<string, number[]>();
  return {
    /** Counts one exchange; returns the seconds to wait when over the limit (the exchange is then not counted). */
    take(key: string): number | null {
      const now = clock().getTime();
      const recent = (hits.get(key) ?? []).filter((t) => t > now - 60_000);
      if (recent.length >= EXCHANGES_PER_MINUTE) {
        hits.set(key, recent);
        return Math.max(1, Math.ceil(((recent[0] as number) + 60_000 - now) / 1000));
      }
      recent.push(now);
      hits.delete(key);
      hits.set(key, recent);
      if (hits.size > 10_000) hits.delete(hits.keys().next().value as string);
      return null;
    },
  };
}

class Replayed extends Error {}

/**
 * The keyless exchange: an OIDC token from a trusted issuer (a CI job's) for a short-lived
 * `bax-trust-` token of one environment. Every refusal is a TrustTokenRejected entry (Denied) with one
 * machine-readable reason, every acceptance a TrustTokenIssued entry with the claims that matter.
 */
export function createTokenExchangeService(deps: {
  readonly store: Pick<Store, 'projects' | 'trustDomains'>;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly keys: IssuerKeys;
}) {
  const { store, uow, clock, keys } = deps;
  const limiter = createExchangeLimiter(clock);

  return {
    async exchange(op: OpContext, input: { oidcToken: string; projectSlug: string; environmentSlug: string }): Promise<TokenExchangeResponse> {
      op.audit.setScope({ projectSlug: input.projectSlug, environmentSlug: input.environmentSlug });
      let issuer: string | null = null;
      let subject: string | null = null;
      let verified = false;
      let domainName: string | null = null;
      // Before the signature is verified the subject is only claimed: it goes to details, never to
      // actor.id, so a forger cannot make entries that an --actor search attributes to a real job.
      const actor = (): Actor => ({ type: 'TrustToken', id: verified ? subject : null, email: null, name: domainName, ip: op.ip });
      const reject = (reason: TrustRejection, message: string, extra: { claim?: string; retryAfterSeconds?: number } = {}): never => {
        op.audit.record({
          event: 'TrustTokenRejected', outcome: 'Denied', reason, actor: actor(), resource: domainName,
          details: { issuer, subject, subjectVerified: verified, ...(extra.claim ? { claim: extra.claim } : {}) },
        });
        throw new DomainError(STATUS[reason], message, {
          reason, details: { reason, ...(extra.claim ? { claim: extra.claim } : {}) },
          ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
        });
      };

      // 1. Its shape, read without trusting it: which issuer it claims, and how it is signed.
      let header: { alg?: unknown };
      let claimed: JWTPayload;
      try {
        if (input.oidcToken.split('.').length !== 3) throw new Error('not three parts');
        header = decodeProtectedHeader(input.oidcToken);
        claimed = decodeJwt(input.oidcToken);
      } catch {
        return reject('not_a_jwt', 'oidcToken is not a JWT: expected three base64url parts (header.payload.signature) with a JSON header and payload');
      }
      issuer = logText(claimed.iss, 500);
      subject = logText(claimed.sub, 500);
      if (typeof header.alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(header.alg)) {
        return reject('algorithm_not_allowed', `the token is signed with ${logText(header.alg, 20) ?? 'no algorithm'}; accepted: ${ALLOWED_ALGORITHMS.join(', ')}`);
      }
      if (typeof claimed.iss !== 'string') return reject('token_claim_missing', 'the token has no iss (issuer) claim', { claim: 'iss' });

      // 2. The environment's trust domains for exactly this issuer (a missing project or environment says the same).
      const project = await store.projects.getBySlug(input.projectSlug);
      const env = project ? await store.projects.getEnvironment(project.id, input.environmentSlug) : null;
      const domains = env ? (await store.trustDomains.list(env.id)).filter((d) => d.issuerUrl === claimed.iss) : [];
      if (!project || !env || domains.length === 0) {
        return reject('no_matching_trust_domain', `no trust domain of ${input.projectSlug}/${input.environmentSlug} trusts the issuer ${issuer}`);
      }
      if (domains.length === 1) domainName = (domains[0] as TrustDomainRow).name;

      // 3. The signature, with the issuer's published keys, and the time claims.
      let payload: JWTPayload;
      try {
        const keySet = await keys.keysFor(claimed.iss);
        ({ payload } = await jwtVerify(input.oidcToken, keySet, {
          issuer: claimed.iss,
          algorithms: [...ALLOWED_ALGORITHMS],
          clockTolerance: CLOCK_SKEW_SECONDS,
          currentDate: clock(),
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
        }));
      } catch (e) {
        return rejectVerification(e);
      }
      verified = true;
      subject = logText(payload.sub, 500);
      const nowS = clock().getTime() / 1000;
      if (typeof payload.iat === 'number' && payload.iat > nowS + CLOCK_SKEW_SECONDS) {
        return reject('token_not_yet_valid', `the token was issued in the future (iat ${payload.iat}); at most ${CLOCK_SKEW_SECONDS} s of clock skew is allowed`, { claim: 'iat' });
      }
      if ((payload.exp as number) - (payload.iat as number) > MAX_TOKEN_LIFETIME_SECONDS) {
        return reject('token_lifetime_too_long', `the token is valid for ${(payload.exp as number) - (payload.iat as number)} s; at most ${MAX_TOKEN_LIFETIME_SECONDS} s (24 h) is accepted`, { claim: 'exp' });
      }
      if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 512) return reject('token_claim_missing', 'the token has no usable jti claim', { claim: 'jti' });

      // 4. Rate: per issuer and subject, counted once the token is genuine (a forger cannot use up a job's allowance).
      const wait = limiter.take(`${claimed.iss}\n${payload.sub}`);
      if (wait !== null) {
        return reject('exchange_rate_limited', `more than ${EXCHANGES_PER_MINUTE} exchanges in a minute for this issuer and subject; retry in ${wait} s`, { retryAfterSeconds: wait });
      }

      // 5. Audience, then every claim rule, domain by domain (by name): the first that accepts it issues.
      const auds = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
      const heard = domains.filter((d) => d.audiences.some((a) => auds.includes(a)));
      if (heard.length === 0) {
        return reject('token_audience_mismatch', `the token's audience (${logText(auds.join(', '), 200) || 'none'}) is not accepted; accepted: ${[...new Set(domains.flatMap((d) => d.audiences))].join(', ')}`, { claim: 'aud' });
      }
      const claims = payload as Record<string, unknown>;
      const domain = heard.find((d) => firstFailingRule(d.claimRules, claims) === null);
      if (!domain) {
        const first = heard[0] as TrustDomainRow;
        domainName = first.name;
        const failing = firstFailingRule(first.claimRules, claims);
        return reject('claim_rule_not_accepted', `the claim ${failing?.claim} does not satisfy the rules of trust domain ${first.name}`, { claim: failing?.claim ?? '' });
      }
      domainName = domain.name;

      // 6. The trust token, with the token's jti used up in the same unit: a replay finds it taken.
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(24).toString('hex');
      const issuedAt = clock();
      const row: IssuedTokenRow = {
        id, kind: 'trust', projectId: project.id, environmentId: env.id, tokenHash: sha256hex(secret), role: domain.grantedRole, scope: null, reason: null,
        trustDomainId: domain.id, trustDomainName: domain.name, issuer: claimed.iss, subject: logText(payload.sub, 500), createdAt: issuedAt.toISOString(),
        createdBy: logText(payload.sub, 500), expiresAt: new Date(issuedAt.getTime() + domain.ttlMinutes * 60_000).toISOString(),
        revokedAt: null, revokedBy: null, revokeReason: null, expiryRecordedAt: null,
      };
      const forensic = Object.fromEntries(
        [...FORENSIC_CLAIMS, ...domain.claimRules.map((r) => r.claim)].flatMap((c) => {
          const v = claimValue(claims, c);
          return v === undefined ? [] : [[c, logText(v)]];
        }),
      );
      try {
        await uow.run(op, async (tx) => {
          const jtiExpiry = ((payload.exp as number) + CLOCK_SKEW_SECONDS) * 1000 + 60_000;
          if (!(await tx.signatureUses.claim(`oidc:${sha256hex(claimed.iss as string).slice(0, 32)}`, sha256hex(payload.jti as string), jtiExpiry))) throw new Replayed();
          await tx.signatureUses.prune(clock().getTime(), 4);
          await tx.issuedTokens.insert(row);
          op.audit.record({
            event: 'TrustTokenIssued', actor: actor(), resource: domain.name,
            details: {
              issuer: claimed.iss, subject: row.subject, trustDomain: domain.name, role: domain.grantedRole, tokenId: id, expiresAt: row.expiresAt,
              jti: logText(payload.jti, 200), audience: auds.map((a) => logText(a, 200)), claims: forensic,
            },
          });
        });
      } catch (e) {
        if (e instanceof Replayed) return reject('token_replayed', 'this OIDC token was already exchanged: each token (its jti) is accepted once; request a fresh one');
        throw e;
      }
      return { token: `bax-trust-${id}-${secret}`, expiresAt: row.expiresAt, trustDomain: domain.name, role: domain.grantedRole, projectSlug: project.slug, environmentSlug: env.slug };

      function rejectVerification(e: unknown): never {
        if (e instanceof IssuerUnreachableError) return reject('issuer_unreachable', e.message);
        if (e instanceof joseErrors.JWTExpired) return reject('token_expired', `the token expired (exp ${String(claimed.exp)}); at most ${CLOCK_SKEW_SECONDS} s of clock skew is allowed`, { claim: 'exp' });
        if (e instanceof joseErrors.JWTClaimValidationFailed) {
          if (e.reason === 'missing') return reject('token_claim_missing', `the token has no ${e.claim} claim`, { claim: e.claim });
          if (e.claim === 'nbf' || e.claim === 'iat') return reject('token_not_yet_valid', `the token is not valid yet (${e.claim}); at most ${CLOCK_SKEW_SECONDS} s of clock skew is allowed`, { claim: e.claim });
          return reject('token_claim_missing', `the token's ${e.claim} claim is not valid (${e.message})`, { claim: e.claim });
        }
        if (e instanceof joseErrors.JOSEAlgNotAllowed) return reject('algorithm_not_allowed', `the token's algorithm is not accepted; accepted: ${ALLOWED_ALGORITHMS.join(', ')}`);
        if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid) return reject('issuer_unreachable', `the issuer's keys could not be fetched (${e.message})`);
        if (e instanceof joseErrors.JOSEError) return reject('signature_invalid', "the token's signature does not verify with the issuer's published keys");
        // fetch of the key set failed below jose (connection refused, DNS …)
        return reject('issuer_unreachable', `the issuer's keys could not be fetched (${e instanceof Error ? e.message : String(e)})`);
      }
    },
  };
}

export type TokenExchangeService = ReturnType<typeof createTokenExchangeService>;
