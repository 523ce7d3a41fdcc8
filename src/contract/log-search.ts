/**
 * The one search syntax of both logs, shared by the server (`q=`), the CLI (`--query` and the
 * positional form) and the WebApp's search box. Grammar and examples: docs/search.md.
 *
 *   query  := term (WS term)*
 *   term   := ['-'] key ':' values | ['-'] word | 'created:' range
 *   values := value (',' value)*          one term matches any of its values (OR)
 *   value  := bare | '"' (char | '\"' | '\\')* '"'      a trailing unquoted '*' asks for a prefix
 *   range  := ('>=' | '>' | '<=' | '<') time | time '..' time | time
 *   time   := 2026-03-01 | 2026-03-01T12:00:00Z | -24h (a duration back from now)
 *
 * Terms combine with AND; a '-' before a term negates it. Pure: no clock, no I/O; `created:` keeps the
 * time text as written and the server resolves it against its clock (resolveCreated).
 */
import { EVENT_TYPES, OUTCOMES } from './events.js';
import { HTTP_METHODS, MAX_SEARCH_LENGTH, SLUG_RE } from './log-query.js';
import { parseTimeBound } from './time.js';

export type SearchLog = 'audit' | 'access';

/** Every key of the syntax with a one-line help (completion, `--help`, docs/search.md). */
export const SEARCH_KEYS = [
  { key: 'actor', help: "who acted: a user's email (any case), name or id", example: 'actor:alice@example.com', logs: ['audit', 'access'] },
  { key: 'event', help: 'event type(s), comma-separated', example: 'event:SecretRead,SecretUpdated', logs: ['audit'] },
  { key: 'outcome', help: 'Success or Denied', example: 'outcome:Denied', logs: ['audit'] },
  { key: 'environment', help: "the environment's slug", example: 'environment:production', logs: ['audit', 'access'] },
  { key: 'project', help: "the project's slug", example: 'project:my-api', logs: ['audit', 'access'] },
  { key: 'resource', help: 'what was acted upon; a trailing * matches a prefix', example: 'resource:DB_*', logs: ['audit'] },
  { key: 'ip', help: "the caller's address or an IPv4 network (CIDR)", example: 'ip:10.0.0.0/8', logs: ['audit', 'access'] },
  { key: 'request', help: 'a request id, whole or its last 8 or more characters', example: 'request:0c9f3a7e2b41', logs: ['audit', 'access'] },
  { key: 'created', help: 'when: >=DATE, <DATE, A..B (inclusive), or >-24h (a duration back from now)', example: 'created:>=2026-03-01', logs: ['audit', 'access'] },
  { key: 'method', help: 'HTTP method', example: 'method:DELETE', logs: ['access'] },
  { key: 'status', help: 'HTTP status code(s)', example: 'status:401,403', logs: ['access'] },
  { key: 'path', help: 'the request path without its query; a trailing * matches a prefix', example: 'path:/api/v1/projects/*', logs: ['access'] },
] as const satisfies readonly { key: string; help: string; example: string; logs: readonly SearchLog[] }[];

export type SearchKey = (typeof SEARCH_KEYS)[number]['key'];
export type FieldKey = Exclude<SearchKey, 'created'>;

/** One value of a term: the text (unescaped) and whether a trailing `*` asked for a prefix. */
export interface SearchValue {
  readonly text: string;
  readonly prefix: boolean;
}

export type CreatedRange =
  | { readonly op: '>' | '>=' | '<' | '<=' | '='; readonly value: string }
  | { readonly op: '..'; readonly from: string; readonly to: string };

export type SearchTerm =
  | { readonly kind: 'field'; readonly key: FieldKey; readonly negated: boolean; readonly values: readonly SearchValue[] }
  | { readonly kind: 'created'; readonly range: CreatedRange }
  /** A bare word: matches the resource (audit) or path (access), or the actor */
  | { readonly kind: 'word'; readonly negated: boolean; readonly value: SearchValue };

/** A parsed query: its terms in the order written, all ANDed. */
export interface LogSearch {
  readonly terms: readonly SearchTerm[];
}

export interface SearchError {
  readonly message: string;
  /** 1-based column in the query text where the problem starts */
  readonly column: number;
}
export type SearchParse = { readonly ok: true; readonly query: LogSearch } | { readonly ok: false; readonly error: SearchError };

export { MAX_SEARCH_LENGTH };
export const MAX_SEARCH_TERMS = 50;
const MAX_VALUE_LENGTH = 512;
/** Keys whose values may end with `*` (prefix match) */
const PREFIX_KEYS: ReadonlySet<string> = new Set(['resource', 'path']);
const KEY_NAMES: readonly string[] = SEARCH_KEYS.map((k) => k.key);
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const WS_RE = /\s/;

class Fail extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

const quoteShow = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Keys a log's search accepts. */
export function searchKeysOf(log: SearchLog): readonly string[] {
  return SEARCH_KEYS.filter((k) => (k.logs as readonly string[]).includes(log)).map((k) => k.key);
}

/**
 * Parses a query. With `log`, keys the other log has (event: on the Access Log) are refused.
 * Errors name the column (1-based) where the offending term or value starts.
 */
export function parseLogSearch(q: string, log?: SearchLog): SearchParse {
  try {
    return { ok: true, query: new Parser(q, log).parse() };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: { message: e.message, column: e.column } };
    throw e;
  }
}

class Parser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly log: SearchLog | undefined,
  ) {}

  parse(): LogSearch {
    const s = this.s;
    if (s.length > MAX_SEARCH_LENGTH) throw new Fail(`the query is ${s.length} characters long; at most ${MAX_SEARCH_LENGTH} are allowed`, MAX_SEARCH_LENGTH + 1);
    const ctl = CONTROL_RE.exec(s);
    if (ctl) throw new Fail(`control character U+${ctl[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at column ${ctl.index + 1}; remove it`, ctl.index + 1);
    const terms: SearchTerm[] = [];
    for (;;) {
      while (this.i < s.length && WS_RE.test(s[this.i] as string)) this.i++;
      if (this.i >= s.length) break;
      if (terms.length >= MAX_SEARCH_TERMS) throw new Fail(`more than ${MAX_SEARCH_TERMS} terms at column ${this.i + 1}`, this.i + 1);
      terms.push(this.term());
    }
    return { terms };
  }

  /** `suffix` follows the position: a list of keys reads best after it. */
  private fail(message: string, at: number, suffix = ''): never {
    throw new Fail(`${message} at column ${at + 1}${suffix}`, at + 1);
  }

  private term(): SearchTerm {
    const s = this.s;
    const start = this.i;
    let negated = false;
    if (s[this.i] === '-' && this.i + 1 < s.length && !WS_RE.test(s[this.i + 1] as string)) {
      negated = true;
      this.i++;
    }
    const keyMatch = /^([A-Za-z][A-Za-z_-]*):/.exec(s.slice(this.i, this.i + 40));
    if (!keyMatch) {
      const value = this.value(true);
      this.endOfTerm();
      return { kind: 'word', negated, value };
    }
    const name = (keyMatch[1] as string).toLowerCase();
    const keyAt = this.i;
    if (!KEY_NAMES.includes(name)) this.fail(`unknown key ${quoteShow(keyMatch[1] as string)}`, keyAt, `; keys: ${this.keys().join(', ')}`);
    if (this.log && !searchKeysOf(this.log).includes(name)) {
      this.fail(`key "${name}" does not apply to the ${this.log === 'audit' ? 'Audit' : 'Access'} Log`, keyAt, `; keys: ${this.keys().join(', ')}`);
    }
    this.i += keyMatch[0].length;
    if (this.i >= s.length || WS_RE.test(s[this.i] as string)) this.fail(`${name}: needs a value`, this.i);
    if (name === 'created') {
      if (negated) this.fail('created: cannot be negated; use the opposite comparison (created:<… instead of -created:>=…)', start);
      return { kind: 'created', range: this.created() };
    }
    const key = name as FieldKey;
    const values: SearchValue[] = [];
    for (;;) {
      const at = this.i;
      const v = this.value(PREFIX_KEYS.has(key));
      values.push(checkValue(key, v, at, (m, c) => this.fail(m, c)));
      if (s[this.i] === ',') {
        this.i++;
        if (this.i >= s.length || WS_RE.test(s[this.i] as string) || s[this.i] === ',') this.fail(`${key}: a value is missing after ","`, this.i);
        continue;
      }
      break;
    }
    this.endOfTerm();
    return { kind: 'field', key, negated, values };
  }

  private keys(): readonly string[] {
    return this.log ? searchKeysOf(this.log) : KEY_NAMES;
  }

  private endOfTerm(): void {
    const c = this.s[this.i];
    if (c !== undefined && !WS_RE.test(c)) this.fail(`unexpected ${JSON.stringify(c)} (separate terms with a space, quote values with spaces or commas)`, this.i);
  }

  /** A bare value runs to the next space, comma or quote; a quoted one may hold any of them. */
  private value(prefixAllowed: boolean): SearchValue {
    const s = this.s;
    const at = this.i;
    let text = '';
    if (s[this.i] === '"') {
      this.i++;
      for (;;) {
        const c = s[this.i];
        if (c === undefined) this.fail('unterminated quote', at);
        this.i++;
        if (c === '"') break;
        if (c === '\\') {
          const n = s[this.i];
          if (n !== '"' && n !== '\\') this.fail('in quotes, a backslash escapes only " or \\', this.i - 1);
          text += n;
          this.i++;
        } else text += c;
      }
    } else {
      while (this.i < s.length && !WS_RE.test(s[this.i] as string) && s[this.i] !== ',' && s[this.i] !== '"') text += s[this.i++];
      if (s[this.i] === '"') this.fail('a quote may only start a value', this.i);
      if (text.endsWith('*')) {
        text = text.slice(0, -1);
        this.i--; // the * is read below, as for a quoted value
      }
    }
    let prefix = false;
    if (s[this.i] === '*') {
      if (!prefixAllowed) this.fail('a trailing * (prefix) applies only to resource:, path: and bare words; quote a literal *', this.i);
      prefix = true;
      this.i++;
    }
    if (text === '' && !prefix) this.fail('empty value', at);
    if (text.length > MAX_VALUE_LENGTH) this.fail(`value longer than ${MAX_VALUE_LENGTH} characters`, at);
    return { text, prefix };
  }

  private created(): CreatedRange {
    const s = this.s;
    const at = this.i;
    let end = this.i;
    while (end < s.length && !WS_RE.test(s[end] as string)) end++;
    const raw = s.slice(this.i, end);
    this.i = end;
    const op = /^(>=|<=|>|<)/.exec(raw)?.[1] as '>' | '>=' | '<' | '<=' | undefined;
    if (op) return { op, value: checkTime(raw.slice(op.length), at + op.length, (m, c) => this.fail(m, c)) };
    const dots = raw.indexOf('..');
    if (dots >= 0) {
      const from = checkTime(raw.slice(0, dots), at, (m, c) => this.fail(m, c));
      const to = checkTime(raw.slice(dots + 2), at + dots + 2, (m, c) => this.fail(m, c));
      return { op: '..', from, to };
    }
    const value = checkTime(raw, at, (m, c) => this.fail(m, c));
    if (!DATE_ONLY_RE.test(value)) this.fail('created: with a date-time or duration needs a comparison (>=, >, <=, <) or a range A..B', at);
    return { op: '=', value };
  }
}

type FailFn = (message: string, at: number) => never;
const DATE_ONLY_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_HELP = 'a date (2026-03-01), a date-time with zone (2026-03-01T12:00:00Z) or a duration back from now (-24h, -7d)';

function checkTime(text: string, at: number, fail: FailFn): string {
  if (text === '') fail(`created: needs ${TIME_HELP}`, at);
  // A duration reads back from now: -24h; 24h alone is accepted the same way.
  const probe = /^-\d/.test(text) ? text.slice(1) : text;
  if (parseTimeBound(probe, new Date(0)) === null && parseTimeBound(probe, new Date(Date.UTC(2000, 0, 1))) === null) {
    fail(`created: ${quoteShow(text)} is not ${TIME_HELP}`, at);
  }
  return text;
}

const IPV4 = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}`;
const IPV4_RE = new RegExp(`^${IPV4}(?:/(?:3[0-2]|[12]?\\d))?$`);
const IPV6_RE = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;

function checkValue(key: FieldKey, v: SearchValue, at: number, fail: FailFn): SearchValue {
  const t = v.text;
  const canonical = (list: readonly string[], what: string): SearchValue => {
    const found = list.find((x) => x.toLowerCase() === t.toLowerCase());
    if (!found) fail(`unknown ${what} ${quoteShow(t)}; valid: ${list.join(', ')}`, at);
    return { text: found, prefix: false };
  };
  switch (key) {
    case 'event':
      return canonical(EVENT_TYPES, 'event');
    case 'outcome':
      return canonical(OUTCOMES, 'outcome');
    case 'method':
      return canonical(HTTP_METHODS, 'method');
    case 'environment':
    case 'project':
      if (!SLUG_RE.test(t)) fail(`${key}: ${quoteShow(t)} is not a slug (lowercase letters, digits and hyphens)`, at);
      return v;
    case 'status':
      if (!/^[1-5]\d\d$/.test(t)) fail(`status: ${quoteShow(t)} is not an HTTP status code (100-599)`, at);
      return v;
    case 'ip':
      if (!IPV4_RE.test(t) && !(IPV6_RE.test(t) && t.length <= 45 && !t.includes('/'))) {
        fail(`ip: ${quoteShow(t)} is not an IP address or IPv4 network (10.0.0.0/8)`, at);
      }
      return v;
    case 'request':
      if (!/^[0-9A-Za-z._:-]{1,128}$/.test(t)) fail(`request: ${quoteShow(t)} is not a request id`, at);
      if (t.length < 8) fail('request: give the whole id or at least its last 8 characters', at);
      return v;
    case 'actor':
      if (t.length > 320) fail('actor: longer than 320 characters', at);
      return v;
    case 'resource':
    case 'path':
      return v;
  }
}

// ---- printing ---------------------------------------------------------------------------------

/** Whether a value must be quoted to read back as itself. */
function needsQuote(text: string, word: boolean): boolean {
  if (text === '' || /[\s,"*\\]/.test(text)) return true;
  // A bare word that starts with - would read as a negation, one with key: as a key.
  return word && (text.startsWith('-') || /^[A-Za-z][A-Za-z_-]*:/.test(text));
}

function printValue(v: SearchValue, word: boolean): string {
  const body = needsQuote(v.text, word) ? `"${v.text.replace(/[\\"]/g, (c) => `\\${c}`)}"` : v.text;
  return v.prefix ? `${body}*` : body;
}

/** The canonical text of a query: parseLogSearch(printLogSearch(q)) gives q back. */
export function printLogSearch(query: LogSearch): string {
  return query.terms
    .map((t) => {
      if (t.kind === 'word') return `${t.negated ? '-' : ''}${printValue(t.value, true)}`;
      if (t.kind === 'created') {
        const r = t.range;
        return `created:${r.op === '..' ? `${r.from}..${r.to}` : r.op === '=' ? r.value : `${r.op}${r.value}`}`;
      }
      return `${t.negated ? '-' : ''}${t.key}:${t.values.map((v) => printValue(v, false)).join(',')}`;
    })
    .join(' ');
}

// ---- resolving times --------------------------------------------------------------------------

const DAY_MS = 86_400_000;

function instant(text: string, now: Date): Date {
  const d = parseTimeBound(/^-\d/.test(text) ? text.slice(1) : text, now);
  if (d === null) throw new Error(`unparsed time ${text}`);
  return d;
}

/**
 * The half-open interval [since, until) of a `created:` term. A bare date covers its whole day:
 * `created:2026-03-01`, `created:<=2026-03-01` and `created:A..2026-03-07` include that day;
 * `created:>2026-03-01` starts the day after.
 */
export function resolveCreated(range: CreatedRange, now: Date): { since?: string; until?: string } {
  const endOf = (text: string) => new Date(instant(text, now).getTime() + (DATE_ONLY_RE.test(text) ? DAY_MS : 1)).toISOString();
  const at = (text: string) => instant(text, now).toISOString();
  switch (range.op) {
    case '>=':
      return { since: at(range.value) };
    case '>':
      return { since: endOf(range.value) };
    case '<':
      return { until: at(range.value) };
    case '<=':
      return { until: endOf(range.value) };
    case '=':
      return { since: at(range.value), until: endOf(range.value) };
    case '..':
      return { since: at(range.from), until: endOf(range.to) };
  }
}
