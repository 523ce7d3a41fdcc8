import { z } from 'zod';
import { slugSchema } from './api.js';

/** Access reviews (docs/compliance.md#access-review): the frozen population of grants and a decision per grant. */

export const GRANT_KINDS = ['member', 'apiKey', 'trustDomain'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];
export const DECISIONS = ['keep', 'revoke'] as const;
export type Decision = (typeof DECISIONS)[number];
/** A grant not used for this many days is flagged. */
export const UNUSED_DAYS = 90;

export interface AccessGrant {
  /** 1-based position in the frozen population (what `decide --grant N` names) */
  readonly n: number;
  /** Stable id: member:<userId>:<environment or *>, apiKey:<id>, trustDomain:<environment>:<name> */
  readonly grantId: string;
  readonly kind: GrantKind;
  /** Who or what holds it: an email, an API key's name (id), a trust domain's name (issuer) */
  readonly subject: string;
  readonly role: string;
  /** null: the whole project */
  readonly environment: string | null;
  readonly grantedAt: string | null;
  /** Last SecretRead or SecretsBulkPulled by this grant's holder in its scope, null when never (within retention) */
  readonly lastUsedAt: string | null;
  readonly unused: boolean;
}

export interface GrantDecision {
  readonly decision: Decision;
  readonly rationale: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string;
  /** For revoke: revoked, or already_gone when the grant no longer existed */
  readonly revocation: 'revoked' | 'already_gone' | null;
}

export interface AccessReviewView {
  readonly id: string;
  readonly project: string;
  readonly startedAt: string;
  readonly startedBy: string | null;
  readonly unusedDays: number;
  readonly grants: readonly (AccessGrant & { readonly decision: GrantDecision | null })[];
  readonly decided: number;
  readonly total: number;
}

export interface AccessReviewSummary {
  readonly id: string;
  readonly startedAt: string;
  readonly startedBy: string | null;
  readonly total: number;
  readonly decided: number;
}

const rationale = z
  .string()
  .trim()
  .min(3, 'must say why (at least 3 characters)')
  .max(500, 'must be at most 500 characters')
  .refine((s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(s), 'must not contain newlines or control characters');

export const decideBody = z
  .object({
    /** The grant's number in the review, or its grantId */
    grant: z.union([z.number().int().min(1).max(100_000), z.string().min(1).max(300)]),
    decision: z.enum(DECISIONS, { message: 'must be keep or revoke' }),
    rationale,
  })
  .strict();
export type DecideBody = z.infer<typeof decideBody>;

export const reviewIdParams = z.object({ project: slugSchema, id: z.string().regex(/^[0-9a-f-]{36}$/, 'must be a review id') }).strict();
