/**
 * The one error catalogue: every code the API can answer with, its HTTP status and what it means.
 * docs/api.md lists the same codes; a test checks that the two agree.
 */
export const ERROR_CATALOG = {
  validation_failed: { status: 400, description: 'A parameter, query value or body field is malformed; the message says which and what is accepted.' },
  invalid_json: { status: 400, description: 'The request body is not valid JSON.' },
  invalid_cursor: { status: 400, description: 'The cursor was not issued by this server for this query.' },
  unsupported_media_type: { status: 415, description: 'The body must be application/json.' },
  unauthenticated: { status: 401, description: 'No valid session or API key was presented (missing, expired, revoked or bad signature).' },
  invalid_credentials: { status: 401, description: 'Email or password is wrong.' },
  forbidden: { status: 403, description: 'The caller is authenticated but its role does not allow this action.' },
  not_found: { status: 404, description: 'The route, project, environment, secret, user or API key does not exist (or is not visible to the caller).' },
  conflict: { status: 409, description: 'The resource already exists.' },
  payload_too_large: { status: 413, description: 'The body or the secret value is larger than allowed.' },
  too_many_attempts: { status: 429, description: 'Too many failed logins for this account or address; retry after the given seconds.' },
  internal: { status: 500, description: 'An unexpected error; the requestId finds it in the server log.' },
  audit_unavailable: { status: 503, description: 'The audit log cannot be written, so the operation was not performed (fail-closed). Exception: details.applied = true means the change was already committed with its audit rows and only the request\'s Access Log row failed.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An error meant for the client. `reason` is the machine-readable Denied reason recorded in the Audit Log. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { readonly reason?: string; readonly details?: unknown; readonly headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CATALOG[code].status;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (message: string, reason: string) => new AppError('forbidden', message, { reason });
export const unauthenticated = (message: string, reason: string) => new AppError('unauthenticated', message, { reason });
export const conflict = (message: string) => new AppError('conflict', message);
export const badRequest = (message: string, details?: unknown) => new AppError('validation_failed', message, { details });
