import type { AccessEntry, Actor, AuditEntry } from '../contract/entries.js';
import type { ApiClient, Query } from './api-client.js';
import { CliError, EXIT } from './errors.js';
import { pageThrough } from './log-stream.js';
import type { LogListing } from './log-flags.js';
import { type CommandContext, print, terminalWidth } from './env.js';
import { FileSink, SpoolSink, progressLine, recordCounter, regularFileFd, type ExportSink } from './output/spool.js';
import { renderTable, type Column } from './output/table.js';
import { colorEnabled, palette } from './output/text.js';
import { openSession, resolveScope } from './session.js';

/** What differs between `bella audit list` and `bella access list`. */
export interface LogKind<T> {
  /** "audit" or "access": used in messages */
  readonly name: string;
  /** The listing endpoint; `<path>/export` streams json, csv and ndjson */
  readonly path: string;
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

  await streamExport(session.client, kind, listing, query, ctx);
}

/** The query string of `GET <path>/export`: the listing's filters, the row cap and the CSV neutralisation. */
export function exportQuery(listing: LogListing, query: Query): Query {
  return {
    ...query,
    format: listing.format,
    limit: listing.limit ?? undefined,
    // The server neutralises by default; only a --no-neutralize CSV export asks otherwise.
    neutralize: listing.format === 'csv' && !listing.neutralize ? 'false' : undefined,
  };
}

/**
 * Streams `GET <path>/export` to stdout. The server applies the same filters, limit and CSV
 * neutralisation and serialises exactly as the CLI used to (json `[\n{…},\n{…}\n]\n`, ndjson, CSV
 * with CRLF), so the bytes are those of the WebApp's export too.
 *
 * Nothing of a failed export stays on stdout: a regular file is written in place and truncated back
 * to where the export began; a pipe or terminal gets the export only once it is complete (spooled).
 */
async function streamExport<T>(client: ApiClient, kind: LogKind<T>, listing: LogListing, query: Query, ctx: CommandContext): Promise<void> {
  const format = listing.format as 'csv' | 'json' | 'ndjson';
  const progress = progressLine(ctx.io.stderr, `${kind.name} entries`);
  const counting = ctx.io.stderr.isTTY === true;
  const count = counting ? recordCounter(format) : null;
  const fd = regularFileFd(ctx.io.stdout);
  const sink: ExportSink = fd !== null ? new FileSink(fd) : new SpoolSink(ctx.io.stdout);
  let rows = 0;
  let shownAt = 0;
  // The last two bytes seen, to check a JSON document's closing `]\n` even when it is split over chunks.
  let tail = '';
  try {
    for await (const chunk of client.stream(`${kind.path}/export`, exportQuery(listing, query))) {
      try {
        sink.write(chunk);
      } catch (err) {
        throw stdoutError(err);
      }
      if (format === 'json') tail = (tail + latin1(chunk.subarray(Math.max(0, chunk.byteLength - 2)))).slice(-2);
      if (count !== null) {
        rows += count(chunk);
        const now = Date.now();
        if (now - shownAt >= 100) {
          shownAt = now;
          progress.update(rows);
        }
      }
    }
    // A JSON document is whole only with its closing bracket (the transport already vouches for the rest).
    if (format === 'json' && tail !== ']\n') {
      throw new CliError(EXIT.unavailable, `the export from ${client.baseUrl} ended without its closing bracket`, 'Nothing was written to stdout; try again.');
    }
  } catch (err) {
    progress.done();
    sink.abort();
    throw err;
  }
  progress.done();
  await sink.commit();
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function stdoutError(err: unknown): CliError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new CliError(
    EXIT.error,
    `cannot write the export (${code})`,
    'Check the free space where stdout is redirected (for a pipe or terminal: in the temporary directory, TMPDIR); nothing of this export was kept.',
  );
}

/** `2026-03-01 12:00:00`: the header says UTC, so the zone and milliseconds are left out to save width. */
export function shortTime(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso;
}

/** Who acted, in one cell: a user's email, else `ApiKey:<name or id>`, `System`, `Anonymous`. */
export function actorLabel(a: Actor): string {
  const who = a.email ?? a.name ?? a.id;
  if (a.type === 'User') return who ?? 'User';
  return who ? `${a.type}:${who}` : a.type;
}

const dash = (v: string | null) => v ?? '-';

/** Columns of `bella audit list`; request id goes first when the terminal is narrow, then environment, then project. */
export const AUDIT_COLUMNS: readonly Column<AuditEntry>[] = [
  { header: 'TIME (UTC)', value: (e) => shortTime(e.timestamp) },
  // Event names are never cut: they are what people scan for.
  { header: 'EVENT', value: (e) => e.event },
  { header: 'ACTOR', value: (e) => actorLabel(e.actor), min: 10 },
  { header: 'PROJECT', value: (e) => dash(e.projectSlug), min: 6, drop: 2 },
  { header: 'ENV', value: (e) => dash(e.environmentSlug), min: 5, drop: 3 },
  { header: 'RESOURCE', value: (e) => dash(e.resource), min: 10 },
  {
    header: 'OUTCOME',
    value: (e) => e.outcome,
    paint: (e, p) => (e.outcome === 'Denied' ? p.red : null),
  },
  // A request id prefix is enough to grep for; it gives way before names are cut.
  { header: 'REQUEST ID', value: (e) => dash(e.requestId), min: 10, drop: 4, squeeze: 1 },
  // After the product page's columns, shown only when the whole table fits uncut.
  { header: 'CLIENT', value: (e) => dash(e.actor.client ?? null), extra: true },
];

/** Columns of `bella access list`; refusals (401/403) and server errors are painted like Denied. */
export const ACCESS_COLUMNS: readonly Column<AccessEntry>[] = [
  { header: 'TIME (UTC)', value: (e) => shortTime(e.timestamp) },
  { header: 'METHOD', value: (e) => e.method },
  { header: 'STATUS', value: (e) => String(e.status), paint: (e, p) => (e.status >= 400 ? p.red : null) },
  { header: 'MS', value: (e) => String(Math.round(e.durationMs)), drop: 1 },
  { header: 'PATH', value: (e) => e.path, min: 24 },
  { header: 'ACTOR', value: (e) => actorLabel(e.actor), min: 8 },
  { header: 'PROJECT', value: (e) => dash(e.projectSlug), min: 6, drop: 2 },
  { header: 'ENV', value: (e) => dash(e.environmentSlug), min: 5, drop: 3 },
  { header: 'REQUEST ID', value: (e) => e.requestId, min: 10, drop: 4, squeeze: 1 },
  { header: 'CLIENT', value: (e) => dash(e.actor.client ?? null), extra: true },
];
