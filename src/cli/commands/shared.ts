import type { Command } from 'commander';
import { safeJsonStringify } from '../../contract/text-safety.js';
import { usageError } from '../errors.js';
import { type CommandContext, print, terminalWidth } from '../env.js';
import { colorEnabled, palette } from '../output/text.js';
import { renderTable, type Column } from '../output/table.js';

/** Builds the per-invocation context lazily, so `--help` never touches the environment. */
export type ContextFactory = () => CommandContext;

export const SIMPLE_FORMATS = ['table', 'json'] as const;
export type SimpleFormat = (typeof SIMPLE_FORMATS)[number];

export function simpleFormat(value: string | undefined): SimpleFormat {
  if (value === undefined) return 'table';
  const f = SIMPLE_FORMATS.find((x) => x === value.trim().toLowerCase());
  if (!f) throw usageError(`invalid --output ${JSON.stringify(value)}`, `Valid values: ${SIMPLE_FORMATS.join(', ')}.`);
  return f;
}

/** Adds `-o, --output table|json` to a listing command. */
export function withOutput(cmd: Command): Command {
  return cmd.option('-o, --output <format>', 'table or json', undefined);
}

/** Prints rows as a table fitted to the terminal, or as a JSON array with the server's field names. */
export function printRows<R>(ctx: CommandContext, format: SimpleFormat, columns: readonly Column<R>[], rows: readonly R[], empty: string): void {
  // JSON with C1, bidi controls and separators as \u escapes: the same values, nothing raw on the terminal.
  if (format === 'json') return print(ctx, `${safeJsonStringify(rows, 2)}\n`);
  if (rows.length === 0) return print(ctx, empty);
  // Piped into another program (and no COLUMNS asked for), nothing is cut: an id copied from a pipe
  // must be whole, as `gh` does; on a terminal the table fits its width.
  const fitted = ctx.io.stdout.isTTY === true || ctx.env.forceTty === true || ctx.env.columns !== null;
  print(ctx, renderTable(columns, rows, fitted ? terminalWidth(ctx) : Number.MAX_SAFE_INTEGER, palette(colorEnabled(ctx.env, ctx.io.stdout))).join('\n'));
}

/** Adds -p/--project and -e/--environment with their shared help. */
export function withScope(cmd: Command, environment = true): Command {
  cmd.option('-p, --project <slug>', 'project (default: API key scope, BELLA_BAXTER_PROJECT, .bella)');
  if (environment) cmd.option('-e, --environment <slug>', 'environment (default: API key scope, BELLA_BAXTER_ENV, .bella)');
  return cmd;
}
