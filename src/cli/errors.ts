import { visibleEscape } from '../contract/text-safety.js';
import type { ErrorBody } from '../contract/api.js';

/**
 * Exit codes are part of the CLI's contract (docs/cli.md): scripts branch on them,
 * so every failure is raised as a CliError carrying one of these codes.
 */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  unavailable: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** `bella run`: the child ended with this non-zero code (128 + n for signal n); the CLI exits with it, printing nothing. */
export class ChildExit extends Error {
  constructor(readonly code: number) {
    super(`the command exited with ${code}`);
    this.name = 'ChildExit';
  }
}

/** An error the CLI reports as `bella: <message>` plus a hint saying what to do next. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | null;

  constructor(exitCode: ExitCode, message: string, hint: string | null = null) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** A bad flag or argument: always raised before any request is sent. */
export function usageError(message: string, hint: string | null = null): CliError {
  return new CliError(EXIT.usage, message, hint);
}

/** Formats an error for stderr; the hint goes on its own line so it stands out. */
export function formatError(err: CliError): string {
  // A server message may quote what the caller sent (a name, a query value): control and bidi
  // characters in it are shown as visible escapes, never written raw to the terminal.
  const shown = (t: string) => t.split('\n').map(visibleEscape).join('\n');
  return err.hint ? `bella: ${shown(err.message)}\n${shown(err.hint)}\n` : `bella: ${shown(err.message)}\n`;
}

/** What an error mapping needs to know to say what to do next. */
export interface ErrorContext {
  readonly url: string;
  readonly urlFromEnv: boolean;
  /** 'none' when the request carried no credentials at all */
  readonly authKind: 'none' | 'session' | 'apiKey' | 'issuedToken' | 'exchange';
}

export const LOGIN_HINT =
  'Run `bella login --email you@example.com` (or `bella login --api-key bax-…`, or set BELLA_BAXTER_API_KEY).';

function urlHint(ctx: ErrorContext): string {
  return ctx.urlFromEnv
    ? `Check that the server is running and that BELLA_BAXTER_URL (${ctx.url}) is right.`
    : `Check that the server is running, or set BELLA_BAXTER_URL (the default is ${ctx.url}).`;
}

/** Reads `{error:{code,message,requestId}}`; tolerates proxies that answer with HTML or nothing. */
export function parseErrorBody(text: string): ErrorBody['error'] | null {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error && typeof body.error.message === 'string') return body.error;
  } catch {
    // not JSON
  }
  return null;
}

/** Maps an HTTP error response to the CLI's exit codes and a next step. */
export function httpError(status: number, text: string, ctx: ErrorContext): CliError {
  const body = parseErrorBody(text);
  const message = body?.message ?? `the server answered HTTP ${status}`;
  const rid = body?.requestId ? ` (request id ${body.requestId})` : '';
  const full = `${message}${rid}`;
  const make = (code: ExitCode, hint: string) => new CliError(code, full, hint);
  switch (status) {
    case 400:
      return make(EXIT.usage, 'Check the values you passed; `bella <command> --help` lists the accepted forms.');
    case 401:
    case 403:
      if (ctx.authKind === 'exchange') {
        return make(EXIT.auth, 'The OIDC token was refused: compare its claims with the trust domain (`bella trust-domains show NAME`); the Audit Log has a TrustTokenRejected entry with the reason.');
      }
      if (ctx.authKind === 'issuedToken') {
        return make(
          EXIT.auth,
          status === 401
            ? 'The lease or trust token was refused (expired, revoked or mistyped): ask for a new lease, or exchange a fresh OIDC token (`bella auth oidc`).'
            : 'A lease reads only the keys of its scope in its environment, and a trust token acts only in its environment with its role.',
        );
      }
      if (status === 403) return make(EXIT.auth, refusalHint(body?.reason, ctx));
      if (ctx.authKind === 'none') return new CliError(EXIT.auth, `not logged in to ${ctx.url}`, LOGIN_HINT);
      return make(
        EXIT.auth,
        ctx.authKind === 'apiKey'
          ? 'The API key was refused (revoked, mistyped or the clock is off by more than 5 minutes); check BELLA_BAXTER_API_KEY or run `bella login --api-key` again.'
          : 'Your session has expired or was revoked; run `bella login` again.',
      );
    case 404:
      return make(EXIT.notFound, 'Check the names you passed; `bella projects list` and `bella environments list` show what exists.');
    case 409:
      return make(EXIT.error, 'It already exists or was changed concurrently; list it to see its current state.');
    case 413:
      return make(EXIT.usage, 'The value is too large; secret values are limited to 64 KiB.');
    case 429:
      return make(EXIT.error, 'Too many requests; wait a moment and try again.');
    case 502:
    case 503:
    case 504:
      return make(EXIT.unavailable, `The server at ${ctx.url} is unavailable; try again shortly (GET ${ctx.url}/readyz shows why).`);
    default:
      return make(EXIT.error, `Unexpected server error; try again, and report it with the request id if it persists.`);
  }
}

/** What to do about a 403, by the server's reason: only role refusals are a project owner's to fix. */
function refusalHint(reason: string | undefined, ctx: ErrorContext): string {
  switch (reason) {
    case 'admin_required':
      return 'Only the instance admin may do this; ask them, or log in as the admin.';
    case 'api_key_scope':
      return 'An API key acts only in its own project and environment; use a key of the target environment, or log in as a user (`bella login`).';
    case 'api_key_not_allowed':
      return 'This needs a user session: run `bella login --email you@example.com`, or unset BELLA_BAXTER_API_KEY.';
    case 'owner_required':
      return 'Ask an OWNER of the project (or the instance admin) to make this change.';
    case 'environment_restricted':
      return 'The environment admits only its own members: ask its ENVIRONMENT_OWNER or a project owner to add you to it (`bella members add --environment …`).';
    case 'stream_owner_required':
      return 'Ask an OWNER of the project, or the instance admin, to manage its streams.';
    case 'insufficient_role':
    case 'not_a_member':
      return ctx.authKind === 'apiKey'
        ? "The API key's role does not allow this; create a key with the role it needs (`bella api-keys create`), or log in as a user."
        : 'Ask a project owner for a role that allows this (`bella members add`), or use another login.';
    default:
      return 'This login may not do this; use another login, or ask the instance admin.';
  }
}

/** Maps a failure to connect (refused, DNS, timeout) to exit code 5 naming the URL tried. */
export function networkError(err: unknown, ctx: ErrorContext): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const name = (err as { name?: string }).name;
  const reason =
    name === 'TimeoutError' ? 'timed out' : (cause?.code ?? cause?.message ?? (err as Error).message ?? 'unknown error');
  return new CliError(EXIT.unavailable, `cannot reach Bella Baxter at ${ctx.url} (${reason})`, urlHint(ctx));
}
