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
  return err.hint ? `bella: ${err.message}\n${err.hint}\n` : `bella: ${err.message}\n`;
}
