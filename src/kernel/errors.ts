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
  too_many_attempts: 'Too many failed logins for this account or address; retry after the given seconds.',
  internal: 'An unexpected error; the requestId finds it in the server log.',
  audit_unavailable:
    "The audit log cannot be written, so the operation was not performed (fail-closed). Exception: details.applied = true means the change was already committed with its audit rows and only the request's Access Log row failed.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface DomainErrorExtra {
  /** The machine-readable Denied reason recorded in the Audit Log (insufficient_role, …) */
  readonly reason?: string;
  readonly details?: unknown;
  /** too_many_attempts: when to retry */
  readonly retryAfterSeconds?: number;
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
export const forbidden = (message: string, reason: string) => new DomainError('forbidden', message, { reason });
export const unauthenticated = (message: string, reason: string) => new DomainError('unauthenticated', message, { reason });
export const conflict = (message: string) => new DomainError('conflict', message);
export const badRequest = (message: string, details?: unknown) => new DomainError('validation_failed', message, { details });

export const NOT_PERFORMED_MESSAGE = 'the audit log cannot be written right now, so the operation was not performed; retry later';
export const unavailable = () => new DomainError('audit_unavailable', NOT_PERFORMED_MESSAGE);
