import { ERROR_CODES, type ErrorCode } from '../kernel/errors.js';

/** The one place a domain error code becomes an HTTP status. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_cursor: 400,
  unsupported_media_type: 415,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  headers_too_large: 431,
  too_many_attempts: 429,
  too_many_exports: 429,
  not_supported: 501,
  not_a_jwt: 422,
  token_rejected: 401,
  issuer_unreachable: 502,
  too_many_exchanges: 429,
  internal: 500,
  log_inconsistent: 409,
  audit_unavailable: 503,
};

/** Every code with its status and meaning, as docs/api.md lists them (a test checks that they agree). */
export const ERROR_CATALOG: Readonly<Record<ErrorCode, { readonly status: number; readonly description: string }>> = Object.fromEntries(
  (Object.keys(ERROR_CODES) as ErrorCode[]).map((c) => [c, { status: HTTP_STATUS[c], description: ERROR_CODES[c] }]),
) as Record<ErrorCode, { status: number; description: string }>;

export type { ErrorCode };
