import { z } from 'zod';
import { leaseTtl, reasonText } from './leases.js';
import { providerNameSchema } from './providers.js';

/**
 * Credential leases (docs/providers.md): a database login created by a provider for one lease, shown
 * once, removed from the database when the lease is revoked or expires. Ids start with "cl-" so they
 * never collide with a bax-lease token's id.
 */
export const CREDENTIAL_LEASE_ID_RE = /^cl-[0-9a-f]{16}$/;

export const issueCredentialLeaseBody = z.strictObject({
  provider: providerNameSchema,
  ttlSeconds: leaseTtl,
  reason: reasonText,
});
export type IssueCredentialLeaseInput = z.infer<typeof issueCredentialLeaseBody>;

/**
 * active: the login exists; revoked: the database confirmed it is gone; revoking: a revocation failed and
 * is retried; irrevocable: every retry failed (remove the login by hand; `bella providers check` lists it).
 */
export type CredentialLeaseState = 'active' | 'revoking' | 'revoked' | 'irrevocable';

export interface CredentialLeaseView {
  readonly id: string;
  readonly provider: string;
  readonly projectSlug: string;
  readonly environmentSlug: string;
  readonly username: string;
  readonly reason: string;
  /** active, expired (past expiresAt, removal pending), revoking, revoked, irrevocable */
  readonly status: CredentialLeaseState | 'expired';
  readonly issuedAt: string;
  readonly issuedBy: string | null;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface IssuedCredentialLease extends CredentialLeaseView {
  /** Shown once; never stored */
  readonly password: string;
}
