import { homedir } from 'node:os';
import { join } from 'node:path';

/** The default server when BELLA_BAXTER_URL is unset: the server's own default bind address. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/**
 * Everything the CLI reads from its process environment, read once in main.ts and passed down,
 * so unit tests can build a CliEnv without touching process.env.
 */
export interface CliEnv {
  readonly url: string;
  /** True when the URL came from BELLA_BAXTER_URL (error hints then name the variable) */
  readonly urlFromEnv: boolean;
  readonly apiKey: string | null;
  readonly project: string | null;
  readonly environment: string | null;
  readonly configDir: string;
  readonly cwd: string;
  readonly noColor: boolean;
  readonly forceColor: boolean;
  /** BELLA_FORCE_TTY=1: print tables as on a terminal even when stdout is piped (layout tests, `watch`) */
  readonly forceTty?: boolean;
  /** An export shows its progress line on a terminal once it has run this long (BELLA_PROGRESS_DELAY_MS, default 1000) */
  readonly progressDelayMs: number;
  readonly columns: number | null;
  /** Inside GitHub Actions with `permissions: id-token: write`: where to request the job's OIDC token */
  readonly githubOidc: { readonly requestUrl: string; readonly requestToken: string } | null;
  /** The audience asked for in the OIDC token (BELLA_OIDC_AUDIENCE, default bella-baxter) */
  readonly oidcAudience: string;
  /** Values travel end-to-end encrypted (X-E2E-Public-Key) unless BELLA_BAXTER_E2EE is off, 0 or false */
  readonly e2ee: boolean;
  /** BELLA_BAXTER_APP_CLIENT (as the SDK reads it): the application name sent as X-App-Client */
  readonly appClient: string | null;
}

function nonEmpty(v: string | undefined): string | null {
  return v !== undefined && v.trim() !== '' ? v.trim() : null;
}

/** Reads the CLI's environment variables. `vars` defaults to process.env. */
export function readCliEnv(vars: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): CliEnv {
  const url = nonEmpty(vars.BELLA_BAXTER_URL);
  const cols = Number(vars.COLUMNS);
  return {
    url: (url ?? DEFAULT_URL).replace(/\/+$/, ''),
    urlFromEnv: url !== null,
    apiKey: nonEmpty(vars.BELLA_BAXTER_API_KEY),
    project: nonEmpty(vars.BELLA_BAXTER_PROJECT),
    environment: nonEmpty(vars.BELLA_BAXTER_ENV),
    // The issue fixes the location: ~/.config/bella-cli/ (HOME decides where ~ is).
    configDir: join(vars.HOME ?? homedir(), '.config', 'bella-cli'),
    cwd,
    // https://no-color.org: any non-empty value disables colour.
    noColor: vars.NO_COLOR !== undefined && vars.NO_COLOR !== '',
    forceColor: vars.FORCE_COLOR !== undefined && vars.FORCE_COLOR !== '' && vars.FORCE_COLOR !== '0',
    forceTty: vars.BELLA_FORCE_TTY === '1',
    progressDelayMs: /^\d{1,6}$/.test(vars.BELLA_PROGRESS_DELAY_MS ?? '') ? Number(vars.BELLA_PROGRESS_DELAY_MS) : 1000,
    columns: Number.isInteger(cols) && cols > 0 ? cols : null,
    githubOidc:
      nonEmpty(vars.ACTIONS_ID_TOKEN_REQUEST_URL) && nonEmpty(vars.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
        ? { requestUrl: nonEmpty(vars.ACTIONS_ID_TOKEN_REQUEST_URL) as string, requestToken: nonEmpty(vars.ACTIONS_ID_TOKEN_REQUEST_TOKEN) as string }
        : null,
    oidcAudience: nonEmpty(vars.BELLA_OIDC_AUDIENCE) ?? 'bella-baxter',
    e2ee: !/^(off|0|false|no)$/i.test(vars.BELLA_BAXTER_E2EE?.trim() ?? ''),
    appClient: nonEmpty(vars.BELLA_BAXTER_APP_CLIENT),
  };
}

export type OutStream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
export type InStream = NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** The process streams, passed explicitly so commands can be exercised with fakes. */
export interface Io {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: InStream;
}

/** Everything a command needs besides its flags. */
export interface CommandContext {
  readonly env: CliEnv;
  readonly io: Io;
  readonly now: () => Date;
}

/** Terminal width for tables: COLUMNS wins (scripts and tests pin it), then the TTY's width, then 80. */
export function terminalWidth(ctx: CommandContext): number {
  return ctx.env.columns ?? ctx.io.stdout.columns ?? 80;
}

/** Writes a finished result to stdout; commands call this only after every request succeeded. */
export function print(ctx: CommandContext, text: string): void {
  ctx.io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
}

/** Informational lines go to stderr so stdout stays machine-readable. */
export function info(ctx: CommandContext, text: string): void {
  ctx.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
