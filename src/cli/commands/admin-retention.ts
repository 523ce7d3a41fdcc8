import type { Command } from 'commander';
import type { RetentionView } from '../../contract/api.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { confirm } from '../prompt.js';
import { print, type CommandContext } from '../env.js';
import { openSession } from '../session.js';
import { simpleFormat, withOutput, type ContextFactory } from './shared.js';

const PATH = '/api/v1/admin/retention';

/** `400d` or `400` → 400. Anything else is a usage error raised before a request is sent. */
export function parseDays(flag: string, value: string): number {
  const m = /^\s*(\d{1,6})\s*d?\s*$/i.exec(value);
  if (!m) throw usageError(`invalid ${flag} ${JSON.stringify(value)}: must be a whole number of days, like 400d`);
  return Number(m[1]);
}

function render(ctx: CommandContext, format: 'table' | 'json', v: RetentionView): void {
  if (format === 'json') return print(ctx, `${JSON.stringify(v, null, 2)}\n`);
  const line = (label: string, days: number, def: number, floor: number) =>
    `${label.padEnd(11)}${`${days} days`.padEnd(11)}(default ${def}, minimum ${floor})`;
  print(
    ctx,
    [
      line('Audit Log', v.auditDays, v.defaults.auditDays, v.floors.auditDays),
      line('Access Log', v.accessDays, v.defaults.accessDays, v.floors.accessDays),
    ].join('\n'),
  );
}

/**
 * `bella admin retention show|set`: the instance admin reads and changes how long each log keeps
 * entries. The server enforces the floors and records every change in the Audit Log.
 */
export function registerAdminRetentionCommands(program: Command, context: ContextFactory): void {
  const admin =
    program.commands.find((c) => c.name() === 'admin') ?? program.command('admin').description('instance administration (instance admins only)');
  const retention = admin.command('retention').description('how long the Audit Log and the Access Log keep entries');

  withOutput(retention.command('show').description('show the retention windows in force')).action(async (flags: { output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    render(ctx, format, await openSession(ctx.env).client.get<RetentionView>(PATH));
  });

  withOutput(
    retention
      .command('set')
      .description('change one or both windows; expired entries go at the next scheduled purge')
      .option('--audit <days>', 'Audit Log window, e.g. 400d (minimum 30d)')
      .option('--access <days>', 'Access Log window, e.g. 30d (minimum 1d)')
      .option('-y, --yes', 'shorten a window without asking (required when stdin is not a terminal)'),
  ).action(async (flags: { audit?: string; access?: string; output?: string; yes?: boolean }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    if (flags.audit === undefined && flags.access === undefined) throw usageError('give --audit, --access or both', 'Example: bella admin retention set --audit 400d --access 30d');
    const body: { auditDays?: number; accessDays?: number } = {};
    if (flags.audit !== undefined) body.auditDays = parseDays('--audit', flags.audit);
    if (flags.access !== undefined) body.accessDays = parseDays('--access', flags.access);
    const client = openSession(ctx.env).client;
    // Shortening a window deletes entries at the next purge: asked, or --yes when no one can be asked.
    const now = await client.get<RetentionView>(PATH);
    const cuts = [
      // Below the floor the server refuses anyway, with its own message: no question first.
      body.auditDays !== undefined && body.auditDays < now.auditDays && body.auditDays >= now.floors.auditDays ? `the Audit Log from ${now.auditDays} to ${body.auditDays} days` : null,
      body.accessDays !== undefined && body.accessDays < now.accessDays && body.accessDays >= now.floors.accessDays ? `the Access Log from ${now.accessDays} to ${body.accessDays} days` : null,
    ].filter((x): x is string => x !== null);
    if (cuts.length > 0 && flags.yes !== true) {
      const what = `This shortens ${cuts.join(' and ')}: older entries are deleted at the next purge and cannot be recovered.`;
      if (ctx.io.stdin.isTTY !== true) throw usageError(`${what} Add --yes to confirm.`, 'Nothing was changed.');
      if (!(await confirm(ctx.io, `${what} Continue?`))) throw new CliError(EXIT.error, 'cancelled; nothing was changed');
    }
    const v = await client.request<RetentionView>('PUT', PATH, { body });
    if (format === 'table') print(ctx, 'Retention updated (recorded in the Audit Log as RetentionChanged):');
    render(ctx, format, v);
  });
}
