import { ACTOR_TYPES, EVENT_TYPES, OUTCOMES, isEventType } from '../contract/events.js';
import { CLIENT_HELP, CLIENT_RE, HTTP_METHODS } from '../contract/log-query.js';
import { TIME_FORMS_HELP, parseTimeBound } from '../contract/time.js';
import { parseLogSearch, printLogSearch, type LogSearch, type SearchLog } from '../contract/log-search.js';
import { usageError } from './errors.js';
import { checkSlug } from './session.js';

/** Output formats of `bella audit list` and `bella access list`. */
export const LIST_FORMATS = ['table', 'json', 'csv', 'ndjson'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

/** Flags shared by both log listings, as commander hands them over (strings, unvalidated). */
export interface RawLogFlags {
  readonly project?: string;
  readonly environment?: string;
  readonly since?: string;
  readonly until?: string;
  readonly actor?: string;
  readonly actorType?: string;
  readonly client?: string;
  readonly requestId?: string;
  readonly limit?: string;
  readonly output?: string;
  /** commander's --no-neutralize sets this to false */
  readonly neutralize?: boolean;
  /** --query, and the positional words (joined with spaces) */
  readonly query?: string;
  readonly hideOwn?: boolean;
  readonly follow?: boolean;
}

export interface RawAuditFlags extends RawLogFlags {
  readonly event?: readonly string[];
  readonly outcome?: string;
  readonly resource?: string;
}

export interface RawAccessFlags extends RawLogFlags {
  readonly method?: string;
  readonly status?: string;
  readonly path?: string;
}

/** Validated flags: the query to send (without project, resolved later), the row cap and the format. */
export interface LogListing {
  readonly query: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly project: string | undefined;
  readonly limit: number | null;
  readonly format: ListFormat;
  readonly neutralize: boolean;
  /** The parsed search, for the columns its filters make constant */
  readonly search: LogSearch | null;
  readonly follow: boolean;
}

/** Rows a table shows when --limit is not given. */
export const DEFAULT_TABLE_ROWS = 100;

/** Case-insensitive pick from a fixed list, returning the canonical spelling. */
function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  const found = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (!found) throw usageError(`invalid ${flag} ${JSON.stringify(value)}`, `Valid values: ${allowed.join(', ')}.`);
  return found;
}

function timeFlag(value: string | undefined, flag: string, now: Date): string | undefined {
  if (value === undefined) return undefined;
  const d = parseTimeBound(value, now);
  if (d === null) throw usageError(`invalid ${flag} ${JSON.stringify(value)}`, `Use ${TIME_FORMS_HELP}.`);
  return d.toISOString();
}

function textFlag(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value)) {
    throw usageError(`invalid ${flag} ${JSON.stringify(value)}: must be non-empty text without control characters`);
  }
  return value;
}

function clientFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!CLIENT_RE.test(value)) throw usageError(`invalid --client ${JSON.stringify(value)}`, `Use the application name as recorded: ${CLIENT_HELP}.`);
  return value;
}

/** Checks a search before any request: the error shows the query with a caret under the column. */
export function parseQueryFlag(q: string | undefined, log: SearchLog): LogSearch | null {
  if (q === undefined || q.trim() === '') return null;
  const r = parseLogSearch(q, log);
  if (!r.ok) {
    const shown = q.length > 100 ? q.slice(0, 100) : q;
    const caret = r.error.column <= shown.length + 1 ? `\n  ${shown}\n  ${' '.repeat(r.error.column - 1)}^` : '';
    throw usageError(`invalid query: ${r.error.message}${caret}`, 'The search syntax is in docs/search.md; `bella audit list --help` shows examples.');
  }
  return r.query;
}

function common(raw: RawLogFlags, now: Date, log: SearchLog): Omit<LogListing, 'query'> & { query: Record<string, string | readonly string[] | undefined> } {
  const format = raw.output === undefined ? 'table' : oneOf(raw.output, LIST_FORMATS, '--output');
  const search = parseQueryFlag(raw.query, log);
  const follow = raw.follow === true;
  if (follow && (format === 'json' || format === 'csv')) throw usageError(`--follow prints entries as they come: use the table or -o ndjson, not -o ${format}`);
  let limit: number | null = null;
  if (raw.limit !== undefined) {
    if (!/^\d+$/.test(raw.limit.trim()) || Number(raw.limit) < 1 || !Number.isSafeInteger(Number(raw.limit))) {
      throw usageError(`invalid --limit ${JSON.stringify(raw.limit)}`, 'Use a positive whole number, e.g. --limit 500.');
    }
    limit = Number(raw.limit);
  }
  const since = timeFlag(raw.since, '--since', now);
  const until = timeFlag(raw.until, '--until', now);
  if (since !== undefined && until !== undefined && since >= until) {
    throw usageError(`--since (${since}) is not before --until (${until})`, 'Swap them, or widen the window.');
  }
  return {
    project: raw.project === undefined ? undefined : checkSlug(raw.project, 'project'),
    format,
    limit: limit ?? (format === 'table' && !follow ? DEFAULT_TABLE_ROWS : null),
    neutralize: raw.neutralize !== false,
    search,
    follow,
    query: {
      q: search ? printLogSearch(search) : undefined,
      excludeSelf: raw.hideOwn ? 'true' : undefined,
      environment: raw.environment === undefined ? undefined : checkSlug(raw.environment, 'environment'),
      since,
      until,
      actor: textFlag(raw.actor, '--actor'),
      actorType: raw.actorType === undefined ? undefined : oneOf(raw.actorType, ACTOR_TYPES, '--actor-type'),
      client: clientFlag(raw.client),
      requestId: textFlag(raw.requestId, '--request-id'),
    },
  };
}

/** Splits repeated and comma-separated --event values and checks every name against the catalog. */
export function parseEvents(values: readonly string[] | undefined): readonly string[] | undefined {
  if (values === undefined) return undefined;
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (names.length === 0) throw usageError('--event needs at least one event name', `Valid events: ${EVENT_TYPES.join(', ')}.`);
  const canonical = names.map((n) => EVENT_TYPES.find((e) => e.toLowerCase() === n.toLowerCase()) ?? n);
  const bad = canonical.filter((n) => !isEventType(n));
  if (bad.length > 0) {
    throw usageError(`unknown event ${bad.map((b) => JSON.stringify(b)).join(', ')}`, `Valid events: ${EVENT_TYPES.join(', ')}.`);
  }
  return [...new Set(canonical)];
}

/** Validates every `bella audit list` flag; throws a usage error (exit 2) before any request. */
export function parseAuditFlags(raw: RawAuditFlags, now: Date): LogListing {
  const base = common(raw, now, 'audit');
  return {
    ...base,
    query: {
      ...base.query,
      event: parseEvents(raw.event),
      outcome: raw.outcome === undefined ? undefined : oneOf(raw.outcome, OUTCOMES, '--outcome'),
      resource: textFlag(raw.resource, '--resource'),
    },
  };
}

/** Validates every `bella access list` flag. */
export function parseAccessFlags(raw: RawAccessFlags, now: Date): LogListing {
  const base = common(raw, now, 'access');
  let status: string | undefined;
  if (raw.status !== undefined) {
    if (!/^[1-5]\d\d$/.test(raw.status.trim())) throw usageError(`invalid --status ${JSON.stringify(raw.status)}`, 'Use an HTTP status code from 100 to 599, e.g. --status 403.');
    status = raw.status.trim();
  }
  return {
    ...base,
    query: {
      ...base.query,
      method: raw.method === undefined ? undefined : oneOf(raw.method, HTTP_METHODS, '--method'),
      status,
      path: textFlag(raw.path, '--path'),
    },
  };
}
