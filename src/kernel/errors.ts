/**
 * The one catalogue of domain errors: every code a service can fail with and what it means. Services
 * throw DomainError; only src/http/ maps a code to an HTTP status (http/errors.ts), and docs/api.md
 * lists every code (a test checks that they agree).
 */
export const ERROR_CODES = {
  validation_failed: 'A parameter, query value or body field is malformed; the message says which and what is accepted.',
  invalid_json: 'The request body is not valid JSON.',
  invalid_cursor: 'The cursor was not issued by this server for this query.',
  unsupported_media_type: 'The body must be application/json.',
  unauthenticated: 'No valid session or API key was presented (missing, expired, revoked or bad signature).',
  invalid_credentials: 'Email or password is wrong.',
  forbidden: 'The caller is authenticated but its role does not allow this action.',
  not_found: 'The route, project, environment, secret, user or API key does not exist (or is not visible to the caller).',
  conflict: 'The resource already exists, or the change would break a rule (the last OWNER of a project stays).',
  payload_too_large: 'The body or the secret value is larger than allowed.',
  uri_too_long: 'A path segment is longer than the server accepts (1,024 characters).',
  headers_too_large: 'The request headers are larger than the server accepts (16 KiB).',
  too_many_attempts: 'Too many failed logins for this account or address; retry after the given seconds.',
  too_many_exports: 'Too many exports are streaming at once for this caller or on this server; retry after the given seconds.',
  not_supported: 'The operation is not available on this store (an online backup on PostgreSQL: use pg_dump or pg_basebackup).',
  not_a_jwt: 'Token exchange: the oidcToken is not a JWT (three base64url parts with a JSON header and payload).',
  token_rejected: 'Token exchange: the OIDC token was refused; details.reason says why (the TrustTokenRejected entry has the same reason).',
  issuer_unreachable: "Token exchange: the OIDC issuer's discovery document or keys could not be fetched; retry later.",
  too_many_exchanges: 'Token exchange: more than 10 exchanges in a minute for one issuer and subject; retry after the given seconds.',
  internal: 'An unexpected error; the requestId finds it in the server log.',
  log_inconsistent:
    "The Audit Log's stored tree is not consistent with its last signed checkpoint, or lacks a node a proof needs: the database was altered. No checkpoint is signed (a CheckpointRefused entry alerts); run bella audit verify.",
  audit_unavailable:
    "The audit log cannot be written, so the operation was not performed (fail-closed). Exception: details.applied = true means the change was already committed with its audit rows and only the request's Access Log row failed.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Every machine-readable reason a Denied Audit Log entry can carry. docs/api.md lists the same
 * reasons (a test checks that they agree); the type makes an unlisted reason fail to compile.
 */
export const DENIED_REASONS = {
  unauthenticated: 'No credentials were presented on a route that needs them.',
  malformed_authorization: 'The Authorization header is not "Bearer" followed by a token.',
  malformed_token: 'The bearer token is neither a session token (bst_…) nor an API key (bax-…).',
  malformed_signature: 'A signed request lacks a well-formed X-Bella-Key-Id, X-Bella-Timestamp or X-Bella-Signature.',
  invalid_api_key: 'The API key does not exist or its secret does not match.',
  api_key_revoked: 'The API key has been revoked.',
  bad_signature: 'The request signature does not match the key.',
  legacy_api_key: "An SDK-form signature (ISO 8601 timestamp) by an API key created before the server kept the SDK's signing key; create a new key, or sign in Bella's form (Unix seconds).",
  signature_expired: 'The signed timestamp is outside the allowed clock skew.',
  signature_replayed: 'The signed request was already accepted once (a signature is single-use); sign each request afresh.',
  invalid_session: 'The session token is unknown (or its user no longer exists).',
  session_expired: 'The session has expired.',
  session_revoked: 'The session was logged out.',
  not_a_member: 'The caller is not a member of the project.',
  insufficient_role: "The caller's role does not allow the action.",
  environment_restricted: 'The environment is restricted to its own members.',
  api_key_scope: 'The API key belongs to another project or environment.',
  api_key_not_allowed: 'The action needs a user session, not an API key.',
  api_key_required: 'The route describes the calling API key (GET /api/v1/keys/me); a user session has none.',
  admin_required: 'Only the instance admin may do this.',
  owner_required: 'Only an OWNER (or the instance admin) may grant, change or remove the OWNER role, or change the access of an OWNER.',
  wrong_password: 'Login: the password is wrong.',
  unknown_account: 'Login: no user has this email.',
  throttled: 'Login: too many failed attempts for this account or address; retry later.',
  provider_not_assigned: 'Credential lease: the provider is not assigned to this project or environment.',
  ssh_unknown_role: 'SSH signing: the environment has no SSH role of that name.',
  ssh_malformed_key: 'SSH signing: the public key is not a well-formed OpenSSH public key of a supported type.',
  ssh_weak_key: 'SSH signing: the public key is weak (DSA, or RSA under 2,048 bits).',
  ssh_principal_not_allowed: "SSH signing: a requested principal is not among the role's allowed principals (or none was named).",
  ssh_ttl_exceeds_max: "SSH signing: the requested validity exceeds the role's maximum TTL.",
  ssh_extension_not_allowed: "SSH signing: a requested extension is not among the role's allowed extensions.",
  invalid_token: 'The bax-lease- or bax-trust- token does not exist or its secret does not match.',
  lease_expired: 'The lease has expired.',
  lease_revoked: 'The lease has been revoked.',
  lease_scope: 'A lease was used on another project or environment, for a key outside its scope, or for anything but reading (leases are read only).',
  trust_token_expired: 'The trust token (from a keyless OIDC exchange) has expired.',
  trust_token_scope: 'The trust token belongs to another project or environment.',
  not_a_jwt: 'Token exchange: the oidcToken is not a JWT.',
  algorithm_not_allowed: 'Token exchange: the token is signed with an algorithm outside the allow-list (none and HMAC are never accepted).',
  no_matching_trust_domain: 'Token exchange: no trust domain of the environment names the token\'s issuer (or the project or environment does not exist).',
  issuer_unreachable: "Token exchange: the issuer's discovery document or keys could not be fetched.",
  signature_invalid: "Token exchange: the signature does not verify with the issuer's published keys.",
  token_expired: 'Token exchange: the OIDC token has expired (exp more than 60 s ago).',
  token_not_yet_valid: 'Token exchange: the OIDC token is not valid yet (nbf or iat more than 60 s ahead).',
  token_claim_missing: 'Token exchange: the OIDC token lacks a required claim (sub, exp, iat or jti); details.claim names it.',
  token_audience_mismatch: "Token exchange: the token's aud names none of the trust domain's accepted audiences.",
  claim_rule_not_accepted: 'Token exchange: a claim rule of the trust domain does not hold; details.claim names the claim.',
  token_replayed: 'Token exchange: this OIDC token (its jti) was already exchanged once.',
  token_lifetime_too_long: 'Token exchange: the OIDC token is valid for more than 24 hours (exp − iat); CI tokens live minutes.',
  exchange_rate_limited: 'Token exchange: more than 10 exchanges in a minute for this issuer and subject.',
  stream_owner_required: 'Audit streams: only the instance admin (any stream) or an OWNER of the project (its streams) may manage them.',
  export_limit: 'Export: the caller (or the server in all) already streams as many exports as allowed; retry after the given seconds.',
} as const;

export type DeniedReason = keyof typeof DENIED_REASONS;

export interface DomainErrorExtra {
  /** The machine-readable Denied reason recorded in the Audit Log (insufficient_role, …) */
  readonly reason?: DeniedReason;
  readonly details?: unknown;
  /** too_many_attempts, too_many_exports: when to retry */
  readonly retryAfterSeconds?: number;
  /** The right a refused caller lacked (authorize.ts's action), named in the Denied entry */
  readonly action?: string;
}

/** An error a caller is meant to see: a code from the catalogue and a sentence that says what to do. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: DomainErrorExtra = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`);
export const forbidden = (message: string, reason: DeniedReason) => new DomainError('forbidden', message, { reason });
export const unauthenticated = (message: string, reason: DeniedReason) => new DomainError('unauthenticated', message, { reason });
export const conflict = (message: string) => new DomainError('conflict', message);
export const badRequest = (message: string, details?: unknown) => new DomainError('validation_failed', message, { details });

export const NOT_PERFORMED_MESSAGE = 'the audit log cannot be written right now, so the operation was not performed; retry later';
export const unavailable = () => new DomainError('audit_unavailable', NOT_PERFORMED_MESSAGE);
