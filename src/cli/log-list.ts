import type { AccessEntry, Actor, AuditEntry } from '../contract/entries.js';
import { summarizeEntry } from '../contract/event-summary.js';
import type { LogSearch } from '../contract/log-search.js';
import { escapeJsonText } from '../contract/text-safety.js';
import type { ApiClient, Query } from './api-client.js';
import { CliError, EXIT } from './errors.js';
import { pageThrough } from './log-stream.js';
import { followLog } from './log-follow.js';
import type { LogListing } from './log-flags.js';
import { type CommandContext, info, print, terminalWidth } from './env.js';
import { FileSink, SpoolSink, progressLine, recordCounter, regularFileFd, type ExportSink } from './output/spool.js';
import { renderTable, type Column } from './output/table.js';
import { colorEnabled, palette, sanitize } from './output/text.js';
import { openSession, resolveScope } from './session.js';

/** What differs between `bella audit list` and `bella access list`. */
export interface LogKind<T> {
  /** "audit" or "access": used in messages */
  readonly name: string;
  /** The listing endpoint; `<path>/export` streams json, csv and ndjson */
  readonly path: string;
  readonly columns: readonly LogColumn<T>[];
}

/** A log table column: `full` is the cell of piped (tab-separated) output, when it differs from the table's. */
export interface LogColumn<T> extends Column<T> {
  readonly full?: (row: T) => string;
  /** Shown in the table only when some row needs it (REASON: only when a row is Denied) */
  readonly when?: (rows: readonly T[]) => boolean;
}

/** True when stdout is a terminal (BELLA_FORCE_TTY=1 pretends it is: tests of the table layout). */
export function stdoutIsTerminal(ctx: CommandContext): boolean {
  return ctx.io.stdout.isTTY === true || ctx.env.forceTty === true;
}

/**
 * The table's headers that the filters make constant (one project, one environment, one outcome,
 * one event): a column that says the same on every row tells nothing, and its width goes to the others.
 */
export function constantHeaders(query: Readonly<Record<string, unknown>>, search: LogSearch | null): Set<string> {
  const fixed = new Set<string>();
  const single = (key: string) =>
    search?.terms.some((t) => t.kind === 'field' && t.key === key && !t.negated && t.values.length === 1 && !t.values[0]?.prefix) === true;
  if (query.project !== undefined || single('project')) fixed.add('PROJECT');
  if (query.environment !== undefined || single('environment')) fixed.add('ENV');
  if (query.outcome !== undefined || single('outcome')) fixed.add('OUTCOME');
  const events = query.event;
  if ((Array.isArray(events) && events.length === 1) || single('event')) fixed.add('EVENT');
  if (query.method !== undefined || single('method')) fixed.add('METHOD');
  if (query.status !== undefined || single('status')) fixed.add('STATUS');
  return fixed;
}

/** Piped output, like gh: one line per entry, every column, full values, tab-separated, no header. */
export function tsvLines<T>(columns: readonly LogColumn<T>[], rows: readonly T[]): string[] {
  return rows.map((r) => columns.map((c) => sanitize((c.full ?? c.value)(r)).replace(/\t/g, '\\t')).join('\t'));
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

  if (listing.follow) {
    await followLog(session.client, kind as unknown as LogKind<{ seq: number }>, listing, query, ctx);
    return;
  }

  if (listing.format === 'table') {
    const limit = listing.limit as number;
    const rows: T[] = [];
    // One entry beyond the limit tells whether "more match" is true, without trusting the cursor.
    for await (const page of pageThrough<T>(session.client, kind.path, query, limit + 1)) rows.push(...page);
    const more = rows.length > limit;
    const shown = rows.slice(0, limit);
    if (shown.length > 0) {
      if (stdoutIsTerminal(ctx)) {
        const fixed = constantHeaders(query, listing.search);
        const columns = kind.columns.filter((c) => !fixed.has(c.header) && (c.when?.(shown) ?? true));
        print(ctx, renderTable(columns, shown, terminalWidth(ctx), palette(colorEnabled(ctx.env, ctx.io.stdout))).join('\n'));
      } else print(ctx, tsvLines(kind.columns, shown).join('\n'));
    }
    // The count goes to stderr, so stdout holds only the entries (grep -c counts them).
    info(ctx, tableFooter(shown.length, more, limit));
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
  // JSON for a person (stdout is a terminal) is pretty-printed; for a pipe or file, the server's bytes as they are.
  const pretty = format === 'json' && ctx.io.stdout.isTTY === true;
  const fd = pretty ? null : regularFileFd(ctx.io.stdout);
  const sink: ExportSink = fd !== null ? new FileSink(fd) : new SpoolSink(ctx.io.stdout);
  const held: Buffer[] = [];
  let rows = 0;
  const started = Date.now();
  let shownAt = 0;
  // The last two bytes seen, to check a JSON document's closing `]\n` even when it is split over chunks.
  let tail = '';
  try {
    for await (const chunk of client.stream(`${kind.path}/export`, exportQuery(listing, query))) {
      try {
        if (pretty) held.push(Buffer.from(chunk));
        else sink.write(chunk);
      } catch (err) {
        throw stdoutError(err);
      }
      if (format === 'json') tail = (tail + latin1(chunk.subarray(Math.max(0, chunk.byteLength - 2)))).slice(-2);
      if (count !== null) {
        rows += count(chunk);
        const now = Date.now();
        // Only an export that takes more than a second shows its progress: a quick one stays quiet.
        if (now - started >= ctx.env.progressDelayMs && now - shownAt >= 100) {
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
  if (pretty) {
    // Re-escaped as the server did: DEL, C1, bidi controls and U+2028/9 never reach the terminal raw.
    sink.write(Buffer.from(`${escapeJsonText(JSON.stringify(JSON.parse(Buffer.concat(held).toString('utf8')), null, 2))}\n`));
  }
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

/** The part of a UUIDv7 request id that tells requests apart: its random tail (its head is the time, shared by neighbours). */
export function shortRequestId(id: string | null): string {
  if (id === null) return '-';
  return /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id.slice(-12) : id;
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

/**
 * Columns of `bella audit list`. When the terminal is narrow, the summary goes first, then the
 * request id, then the project, the reason and, last, the environment (it tells production from
 * staging). Columns the filters make constant are left out before any of that (constantHeaders).
 */
export const AUDIT_COLUMNS: readonly LogColumn<AuditEntry>[] = [
  { header: 'TIME (UTC)', value: (e) => shortTime(e.timestamp), full: (e) => e.timestamp },
  // Event names are never cut: they are what people scan for.
  { header: 'EVENT', value: (e) => e.event },
  { header: 'ACTOR', value: (e) => actorLabel(e.actor), min: 10 },
  { header: 'PROJECT', value: (e) => dash(e.projectSlug), min: 6, drop: 4 },
  { header: 'ENV', value: (e) => dash(e.environmentSlug), min: 5, drop: 1 },
  { header: 'RESOURCE', value: (e) => dash(e.resource), min: 10 },
  {
    header: 'OUTCOME',
    value: (e) => e.outcome,
    paint: (e, p) => (e.outcome === 'Denied' ? p.red : null),
  },
  // Why a Denied row was refused; only when a shown row is Denied.
  { header: 'REASON', value: (e) => dash(e.reason), min: 8, drop: 3, when: (rows) => rows.some((e) => e.outcome === 'Denied') },
  // The distinguishing tail of the request id: `--query request:<it>` finds the request's entries.
  { header: 'REQUEST', value: (e) => shortRequestId(e.requestId), full: (e) => dash(e.requestId), drop: 5 },
  { header: 'SUMMARY', value: (e) => summarizeEntry(e), min: 24, drop: 6, squeeze: 2 },
  // After the product page's columns, shown only when the whole table fits uncut.
  { header: 'CLIENT', value: (e) => dash(e.actor.client ?? null), extra: true },
];

/** Columns of `bella access list`; refusals (401/403) and server errors are painted like Denied. */
export const ACCESS_COLUMNS: readonly LogColumn<AccessEntry>[] = [
  { header: 'TIME (UTC)', value: (e) => shortTime(e.timestamp), full: (e) => e.timestamp },
  { header: 'METHOD', value: (e) => e.method },
  { header: 'STATUS', value: (e) => String(e.status), paint: (e, p) => (e.status >= 400 ? p.red : null) },
  { header: 'MS', value: (e) => String(Math.round(e.durationMs)), full: (e) => String(e.durationMs), drop: 2 },
  { header: 'PATH', value: (e) => e.path, min: 24 },
  { header: 'ACTOR', value: (e) => actorLabel(e.actor), min: 8 },
  { header: 'PROJECT', value: (e) => dash(e.projectSlug), min: 6, drop: 4 },
  { header: 'ENV', value: (e) => dash(e.environmentSlug), min: 5, drop: 1 },
  { header: 'REQUEST', value: (e) => shortRequestId(e.requestId), full: (e) => e.requestId, drop: 5 },
  { header: 'CLIENT', value: (e) => dash(e.actor.client ?? null), extra: true },
];
