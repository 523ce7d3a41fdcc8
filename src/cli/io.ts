import type { CliEnv } from './env.js';

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
