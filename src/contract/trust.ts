import { z } from 'zod';
import { slugSchema } from './api.js';
import { codePointLabel, firstUnsafeChar } from './text-safety.js';

/** Keyless OIDC: trust domains of an environment and the token exchange (POST /api/v1/token). */

export const CLAIM_OPERATORS = ['Equals', 'StartsWith', 'Glob'] as const;
export type ClaimOperator = (typeof CLAIM_OPERATORS)[number];
export const TRUST_ROLES = ['CONSUMER', 'MEMBER'] as const;
export type TrustRole = (typeof TRUST_ROLES)[number];
export const DEFAULT_AUDIENCE = 'bella-baxter';
/** Largest OIDC token accepted by the exchange (GitHub's are about 1.2 KB). */
export const MAX_OIDC_TOKEN_LENGTH = 16384;

const safeText = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .superRefine((s, ctx) => {
      const c = firstUnsafeChar(s);
      if (c !== null) ctx.addIssue({ code: 'custom', message: `must not contain newlines or control characters (found ${codePointLabel(c)})` });
    });

/** A claim name, or a JSON pointer into nested claims (`/a/b`, RFC 6901). */
export const claimSchema = safeText(200).refine((s) => !s.startsWith('/') || /^(\/([^~/]|~[01])*)+$/.test(s), 'must be a claim name or a JSON pointer like /a/b');

export const claimRuleSchema = z
  .object({
    claim: claimSchema,
    operator: z.enum(CLAIM_OPERATORS, { message: `must be one of ${CLAIM_OPERATORS.join(', ')}` }).default('Equals'),
    /** One value or a list: the rule holds when the claim matches any of them (OR) */
    value: z.union([safeText(500), z.array(safeText(500)).min(1, 'must list at least one value').max(50, 'must list at most 50 values')]),
  })
  .strict();
export interface ClaimRule {
  readonly claim: string;
  readonly operator: ClaimOperator;
  readonly value: string | readonly string[];
}

export const issuerUrlSchema = z
  .string()
  .max(500, 'must be at most 500 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL with no query, fragment or credentials (the issuer exactly as its tokens name it in iss)');

const trustDomainFields = {
  name: slugSchema,
  oidcIssuerUrl: issuerUrlSchema,
  claimRules: z.array(claimRuleSchema).min(1, 'must have at least one claim rule: a trust domain with none would trust every token of the issuer').max(20, 'must have at most 20 claim rules'),
  acceptedAudiences: z.array(safeText(500)).min(1, 'must list at least one audience').max(10, 'must list at most 10 audiences').default([DEFAULT_AUDIENCE]),
  issuedTokenTtlMinutes: z.number({ message: 'must be a number of minutes' }).int('must be whole minutes').min(1, 'must be at least 1').max(480, 'must be at most 480 (8 hours)').default(15),
  grantedRole: z.enum(TRUST_ROLES, { message: `must be one of ${TRUST_ROLES.join(', ')}` }).default('CONSUMER'),
};
export const createTrustDomainBody = z.object(trustDomainFields).strict();
export const updateTrustDomainBody = z
  .object({
    oidcIssuerUrl: trustDomainFields.oidcIssuerUrl.optional(),
    claimRules: trustDomainFields.claimRules.optional(),
    acceptedAudiences: z.array(safeText(500)).min(1, 'must list at least one audience').max(10).optional(),
    issuedTokenTtlMinutes: z.number().int().min(1, 'must be at least 1').max(480, 'must be at most 480 (8 hours)').optional(),
    grantedRole: z.enum(TRUST_ROLES, { message: `must be one of ${TRUST_ROLES.join(', ')}` }).optional(),
  })
  .strict();

export interface TrustDomainView {
  readonly name: string;
  readonly projectSlug: string;
  readonly environmentSlug: string;
  readonly oidcIssuerUrl: string;
  readonly claimRules: readonly ClaimRule[];
  readonly acceptedAudiences: readonly string[];
  readonly issuedTokenTtlMinutes: number;
  readonly grantedRole: TrustRole;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly updatedAt: string;
}

export const tokenExchangeBody = z
  .object({
    oidcToken: z.string().min(1, 'must not be empty').max(MAX_OIDC_TOKEN_LENGTH, `must be at most ${MAX_OIDC_TOKEN_LENGTH} characters`),
    projectSlug: slugSchema,
    environmentSlug: slugSchema,
  })
  .strict();

export interface TokenExchangeResponse {
  /** bax-trust-{id}-{secret}: a Bearer token, only its hash is stored */
  readonly token: string;
  readonly expiresAt: string;
  readonly trustDomain: string;
  readonly role: TrustRole;
  readonly projectSlug: string;
  readonly environmentSlug: string;
}

/** Why an exchange was refused: the Denied entry's reason and the error's details.reason. */
export const TRUST_REJECTIONS = [
  'not_a_jwt',
  'algorithm_not_allowed',
  'no_matching_trust_domain',
  'issuer_unreachable',
  'signature_invalid',
  'token_expired',
  'token_not_yet_valid',
  'token_claim_missing',
  'token_audience_mismatch',
  'claim_rule_not_accepted',
  'token_replayed',
  'token_lifetime_too_long',
  'exchange_rate_limited',
] as const;
export type TrustRejection = (typeof TRUST_REJECTIONS)[number];
