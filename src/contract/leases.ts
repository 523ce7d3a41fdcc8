import { z } from 'zod';
import { secretKeySchema } from './api.js';
import { codePointLabel, firstUnsafeChar } from './text-safety.js';

/** Leases: short-lived, read-only bax-lease- tokens for a list of secret keys of one environment. */

/** Bounds of a lease's TTL and of an environment's lease policy (seconds). */
export const LEASE_MIN_TTL_SECONDS = 60;
export const LEASE_POLICY_MAX_TTL_SECONDS = 30 * 86400;
/** The longest lease an environment allows when no policy was set. */
export const LEASE_DEFAULT_MAX_TTL_SECONDS = 86400;
/** Where an environment's lease policy is kept (instance settings, one key per environment); it bounds every lease of the environment. */
export const leasePolicyKey = (environmentId: string): string => `lease-policy:${environmentId}`;
/** Keys one lease may name. */
export const LEASE_MAX_SCOPE = 100;

/** Why a lease is needed: one line, recorded in the Audit Log. */
export const reasonText = z
  .string()
  .trim()
  .min(1, 'must not be empty: say why the lease is needed (it is recorded in the Audit Log)')
  .max(500, 'must be at most 500 characters')
  .superRefine((s, ctx) => {
    const c = firstUnsafeChar(s);
    if (c !== null) ctx.addIssue({ code: 'custom', message: `must not contain newlines or control characters (found ${codePointLabel(c)})` });
  });

/** A lease's TTL in seconds (the environment's lease policy bounds it further). */
export const leaseTtl = z
  .number({ message: 'must be a number of seconds' })
  .int('must be a whole number of seconds')
  .min(LEASE_MIN_TTL_SECONDS, `must be at least ${LEASE_MIN_TTL_SECONDS} seconds`)
  .max(LEASE_POLICY_MAX_TTL_SECONDS, `must be at most ${LEASE_POLICY_MAX_TTL_SECONDS} seconds (30 days)`);

export const issueLeaseBody = z
  .object({
    scope: z
      .array(secretKeySchema)
      .min(1, 'must name at least one secret key')
      .max(LEASE_MAX_SCOPE, `must name at most ${LEASE_MAX_SCOPE} secret keys`)
      .refine((keys) => new Set(keys).size === keys.length, 'must not name a key twice'),
    ttlSeconds: leaseTtl,
    reason: reasonText,
  })
  .strict();
export const revokeLeaseBody = z.object({ reason: reasonText.optional() }).strict();
export const expireAllBody = revokeLeaseBody;
export const leasePolicyBody = z.object({ maxTtlSeconds: leaseTtl }).strict();

export type LeaseStatus = 'active' | 'expired' | 'revoked';

export interface LeaseView {
  readonly id: string;
  readonly projectSlug: string;
  readonly environmentSlug: string;
  readonly scope: readonly string[];
  readonly reason: string | null;
  readonly status: LeaseStatus;
  readonly issuedAt: string;
  readonly issuedBy: string | null;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
}
export interface IssuedLease extends LeaseView {
  /** bax-lease-{id}-{secret}: shown once, only its hash is stored */
  readonly token: string;
}
export interface LeasePolicyView {
  readonly projectSlug: string;
  readonly environmentSlug: string;
  readonly maxTtlSeconds: number;
  /** false while the environment uses the default */
  readonly custom: boolean;
}
