import { z } from 'zod';
import { API_KEY_ROLES, ENVIRONMENT_ROLES, PROJECT_ROLES } from './roles.js';
import { SLUG_HELP, SLUG_RE } from './log-query.js';
import { codePointLabel, firstUnsafeChar, unsafeCharKind } from './text-safety.js';

/** Request and response bodies of the HTTP API; the server validates with them, the CLI and WebApp type with them. */

/**
 * Refuses the characters of text-safety.ts (C0, DEL, C1, bidi controls, U+2028/9) in text people
 * choose and others read, naming the first one found: the error says `body.name: … (U+202E)`.
 */
const noUnsafeChars = (s: string, ctx: { addIssue(issue: { code: 'custom'; message: string }): void }) => {
  const c = firstUnsafeChar(s);
  if (c !== null) ctx.addIssue({ code: 'custom', message: `must not contain newlines or control characters (found ${codePointLabel(c)}, ${unsafeCharKind(c)})` });
};
const displayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .superRefine(noUnsafeChars);

export const slugSchema = z.string().regex(SLUG_RE, `must be a slug: ${SLUG_HELP}`);
export const emailSchema = z
  .string()
  .max(254, 'must be at most 254 characters')
  .regex(/^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/, 'must be an email address')
  .superRefine(noUnsafeChars)
  .transform((s) => s.toLowerCase());

/** Secret key names: what `.env` files accept. */
export const SECRET_KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
export const secretKeySchema = z
  .string()
  .regex(SECRET_KEY_RE, 'must be a secret key: a letter or underscore, then letters, digits, _ . or - (at most 256)');
/** Largest secret value in bytes (UTF-8). */
export const MAX_SECRET_BYTES = 65536;

export const loginBody = z.object({ email: emailSchema, password: z.string().min(1).max(1024) }).strict();
export const createUserBody = z
  .object({
    email: emailSchema,
    name: displayName,
    password: z.string().min(12, 'must be at least 12 characters').max(1024),
    admin: z.boolean().optional(),
  })
  .strict();
export const createProjectBody = z.object({ slug: slugSchema, name: displayName }).strict();
export const createEnvironmentBody = createProjectBody;
export const projectMemberBody = z
  .object({ role: z.enum(PROJECT_ROLES, { message: `must be one of ${PROJECT_ROLES.join(', ')}` }) })
  .strict();
export const environmentMemberBody = z
  .object({ role: z.enum(ENVIRONMENT_ROLES, { message: `must be one of ${ENVIRONMENT_ROLES.join(', ')}` }) })
  .strict();
export const putSecretBody = z.object({ value: z.string() }).strict();
export const createApiKeyBody = z
  .object({
    name: displayName,
    role: z.enum(API_KEY_ROLES, { message: `must be one of ${API_KEY_ROLES.join(', ')}` }).default('CONSUMER'),
  })
  .strict();
export const retentionBody = z
  .object({
    auditDays: z.number().int().optional(),
    accessDays: z.number().int().optional(),
  })
  .strict();

export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly admin: boolean;
  readonly createdAt: string;
}
export interface LoginResponse {
  readonly token: string;
  readonly expiresAt: string;
  readonly user: UserView;
}
export interface WhoAmI {
  readonly actor: { readonly type: string; readonly id: string | null; readonly email: string | null; readonly name: string | null };
  readonly admin: boolean;
  readonly apiKey: { readonly id: string; readonly projectSlug: string; readonly environmentSlug: string; readonly role: string } | null;
  /** The scoped credential in use (API key, lease or trust token), null for a user session */
  readonly credential?: CredentialView | null;
}
/** A credential bound to one project and environment (API key, lease, trust token), as whoami reports it. */
export interface CredentialView {
  readonly kind: 'apiKey' | 'lease' | 'trustToken';
  readonly id: string;
  readonly role: string;
  readonly projectSlug: string;
  readonly environmentSlug: string;
  /** Leases and trust tokens: when they stop working */
  readonly expiresAt: string | null;
  /** Leases: the only keys they may read */
  readonly scope: readonly string[] | null;
}
export interface ProjectView {
  readonly slug: string;
  readonly name: string;
  readonly createdAt: string;
  /** The caller's project role, null when access comes through an environment or the instance admin */
  readonly role: string | null;
}
export interface EnvironmentView {
  readonly slug: string;
  readonly name: string;
  readonly createdAt: string;
  /** Only the environment's own members reach it (from its first environment member until an owner lifts it) */
  readonly restricted: boolean;
}
export const restrictionBody = z.object({ restricted: z.boolean({ message: 'must be true or false' }) }).strict();
export interface MemberView {
  readonly email: string;
  readonly name: string;
  readonly role: string;
  readonly environmentSlug: string | null;
}
export interface SecretView {
  readonly key: string;
  readonly value: string;
  readonly version: number;
  readonly updatedAt: string;
}
export interface SecretKeyView {
  readonly key: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly updatedBy: string | null;
}
export interface PullResponse {
  readonly projectSlug: string;
  readonly environmentSlug: string;
  readonly count: number;
  readonly secrets: Readonly<Record<string, string>>;
}
/** GET …/secrets: every value of the environment, in the shape the published SDK reads. */
export interface EnvironmentSecrets {
  readonly environmentSlug: string;
  readonly environmentName: string;
  readonly secrets: Readonly<Record<string, string>>;
  /** The environment's version: grows with every write (put or delete) of any of its secrets */
  readonly version: number;
  /** UTC ISO time of the last write (the environment's creation when it has none) */
  readonly lastModified: string;
}
/** GET …/secrets/version: poll this, then fetch the values when the version moved. */
export interface EnvironmentVersion {
  readonly environmentSlug: string;
  readonly version: number;
  readonly lastModified: string;
}
/** GET /api/v1/keys/me: the calling API key's own scope (what the SDK's discoverContext reads). */
export interface KeyContext {
  readonly keyId: string;
  readonly role: string;
  readonly projectSlug: string;
  readonly environmentSlug: string;
  /** apiKey, lease or trustToken */
  readonly kind: CredentialView['kind'];
  /** When a lease or trust token stops working; null for an API key */
  readonly expiresAt: string | null;
}
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly projectSlug: string;
  readonly environmentSlug: string;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly revokedAt: string | null;
}
export interface CreatedApiKey extends ApiKeyView {
  /** bax-{keyId}-{secret}: shown once, never stored in clear */
  readonly key: string;
}
/** GET /api/v1/audit-logs/histogram: Success and Denied counts per time bucket. */
export interface HistogramBucket {
  /** UTC ISO start of the bucket */
  readonly start: string;
  readonly success: number;
  readonly denied: number;
}
export interface HistogramResponse {
  readonly bucketMs: number;
  readonly from: string;
  readonly to: string;
  readonly buckets: HistogramBucket[];
}
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly requestId: string;
    readonly details?: unknown;
    /** On a 403: the machine-readable reason (insufficient_role, admin_required, api_key_scope…); never on a 401 */
    readonly reason?: string;
  };
}
/** GET|PUT /api/v1/admin/retention: the windows in force, with the defaults and the floors an admin may not go below. */
export interface RetentionView {
  readonly auditDays: number;
  readonly accessDays: number;
  readonly defaults: { readonly auditDays: number; readonly accessDays: number };
  readonly floors: { readonly auditDays: number; readonly accessDays: number };
  readonly maximumDays: number;
}
