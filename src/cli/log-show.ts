import type { AccessEntry, AuditEntry } from '../contract/entries.js';
import { summarizeEntry } from '../contract/event-summary.js';
import { escapeJsonText } from '../contract/text-safety.js';
import { type CommandContext, print } from './env.js';
import { CliError, EXIT, usageError } from './errors.js';
import type { LogKind } from './log-list.js';
import { sanitize } from './output/text.js';
import { openSession } from './session.js';

/** `bella audit show ID` / `bella access show ID`: one entry by id (GET …/:id), with the list's read scope. */
export async function runLogShow<T>(kind: LogKind<T>, id: string, output: string | undefined, ctx: CommandContext): Promise<void> {
  const format = (output ?? 'text').toLowerCase();
  if (format !== 'text' && format !== 'json') throw usageError(`invalid --output ${JSON.stringify(output)}`, 'Valid values: text, json.');
  if (!/^[0-9A-Za-z-]{1,64}$/.test(id)) throw usageError(`invalid entry id ${JSON.stringify(id.slice(0, 80))}`, 'An entry id is a UUID, e.g. 0192f1a2-7b3c-7def-8123-456789abcdef (the id field of `-o json`).');
  const session = openSession(ctx.env);
  let entry: AuditEntry | AccessEntry;
  try {
    entry = await session.client.get<AuditEntry | AccessEntry>(`${kind.path}/${id}`);
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.notFound) {
      throw new CliError(EXIT.notFound, err.message, `No ${kind.name} log entry with this id is in your read scope; \`bella ${kind.name} list\` shows the ids you may read (-o json).`);
    }
    throw err;
  }
  if (format === 'json') {
    print(ctx, escapeJsonText(JSON.stringify(entry, null, ctx.io.stdout.isTTY === true ? 2 : undefined)));
    return;
  }
  print(ctx, describe(entry).map((l) => sanitize(l)).join('\n'));
}

function describe(e: AuditEntry | AccessEntry): string[] {
  const a = e.actor;
  const actor = [a.type, a.email ?? a.name ?? a.id ?? '', a.email && a.name ? `(${a.name})` : '', a.id && (a.email || a.name) ? `id ${a.id}` : '', a.ip ? `ip ${a.ip}` : '', a.client ? `client ${a.client}` : '']
    .filter((x) => x !== '')
    .join(' ');
  const row = (k: string, v: string | number | null | undefined) => `${k.padEnd(13)}${v === null || v === undefined || v === '' ? '-' : String(v)}`;
  const common = [row('id', e.id), row('seq', e.seq), row('time (UTC)', e.timestamp), row('actor', actor), row('project', e.projectSlug), row('environment', e.environmentSlug)];
  if ('event' in e) {
    const details = JSON.stringify(e.details ?? {}, null, 2).split('\n');
    return [
      summarizeEntry(e),
      '',
      ...common.slice(0, 3),
      row('event', e.event),
      row('outcome', e.outcome),
      row('reason', e.reason),
      ...common.slice(3),
      row('resource', e.resource),
      row('request', e.requestId),
      row('user agent', e.userAgent),
      `${'details'.padEnd(13)}${details[0]}`,
      ...details.slice(1).map((l) => `${' '.repeat(13)}${l}`),
    ];
  }
  return [
    summarizeEntry(e),
    '',
    ...common.slice(0, 3),
    row('method', e.method),
    row('path', e.path),
    row('route', e.route),
    row('status', e.status),
    row('duration ms', e.durationMs),
    ...common.slice(3),
    row('request', e.requestId),
    row('user agent', e.userAgent),
  ];
}
