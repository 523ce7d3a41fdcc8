import { csvWriter, jsonWriter, ndjsonWriter, pageThrough, type EntryWriter } from './log-stream.js';
import type { LogListing } from './log-flags.js';
import { type CommandContext, print, terminalWidth } from './io.js';
import { colorEnabled, palette } from './output/color.js';
import { progressLine } from './output/progress.js';
import { Spool } from './output/spool.js';
import { renderTable, type Column } from './output/table.js';
import { openSession, resolveScope } from './session.js';

/** What differs between `bella audit list` and `bella access list`. */
export interface LogKind<T> {
  /** "audit" or "access": used in messages */
  readonly name: string;
  readonly path: string;
  readonly csvColumns: readonly string[];
  readonly columns: readonly Column<T>[];
}

/** The table's last line: how many rows are shown and, when more match, how to see them. */
export function tableFooter(shown: number, more: boolean, limit: number): string {
  if (shown === 0) return 'No entries match.';
  const rows = `${shown} ${shown === 1 ? 'entry' : 'entries'}`;
  if (!more) return `Showing ${rows}, newest first.`;
  const next = Math.min(Math.max(limit * 10, 1000), 100000);
  return `Showing the newest ${rows}; more match. Use --limit ${next} to see more, narrow with --since/--until, or export everything with --output csv|json|ndjson.`;
}

function writerFor(listing: LogListing, csvColumns: readonly string[]): EntryWriter {
  if (listing.format === 'csv') return csvWriter(csvColumns, listing.neutralize);
  return listing.format === 'json' ? jsonWriter() : ndjsonWriter();
}

/** Runs a validated listing: resolves the project, then prints a table or streams an export. */
export async function runLogList<T>(kind: LogKind<T>, listing: LogListing, ctx: CommandContext): Promise<void> {
  const session = openSession(ctx.env);
  // Only the project comes from the context: an environment filter must be asked for explicitly,
  // so `bella audit list` in a checked-out repo shows the whole project's trail.
  const project = listing.project ?? (await resolveScope(session, {})).project ?? undefined;
  const query = { ...listing.query, project };

  if (listing.format === 'table') {
    const limit = listing.limit as number;
    const rows: T[] = [];
    // One entry beyond the limit tells whether "more match" is true, without trusting the cursor.
    for await (const page of pageThrough<T>(session.client, kind.path, query, limit + 1)) rows.push(...page);
    const more = rows.length > limit;
    const shown = rows.slice(0, limit);
    const pal = palette(colorEnabled(ctx.env, ctx.io.stdout));
    const lines = shown.length > 0 ? renderTable(kind.columns, shown, terminalWidth(ctx), pal) : [];
    print(ctx, [...lines, tableFooter(shown.length, more, limit)].join('\n'));
    return;
  }

  const writer = writerFor(listing, kind.csvColumns);
  const spool = new Spool();
  const progress = progressLine(ctx.io.stderr, `${kind.name} entries`);
  let count = 0;
  try {
    spool.write(writer.begin());
    for await (const page of pageThrough<T>(session.client, kind.path, query, listing.limit)) {
      for (const e of page) spool.write(writer.entry(e));
      count += page.length;
      progress.update(count);
    }
    spool.write(writer.end());
  } catch (err) {
    progress.done();
    spool.discard();
    throw err;
  }
  progress.done();
  await spool.copyTo(ctx.io.stdout);
}
