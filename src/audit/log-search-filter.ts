import { parseLogSearch, resolveCreated, type LogSearch, type SearchLog, type SearchTerm, type SearchValue } from '../contract/log-search.js';
import type { EventType, Outcome } from '../contract/events.js';
import { badRequest } from '../kernel/errors.js';
import type { AccessFilter, AuditFilter, LogCondition, LogFilterBase, LogMatch } from '../store/types.js';

/**
 * From a search query (q=) to the store filter. Terms that a filter field already expresses become
 * that field, so the page query keeps its indexed plan (actor:, event:, outcome:, resource:,
 * request:, status:, method:); everything else (negations, lists, prefixes, networks, words) becomes
 * a condition that filters the walk. All of it is ANDed with the other query parameters.
 */

/** Parses q for a log; a bad query is a 400 that names the column. */
export function parseSearchParam(q: string, log: SearchLog): LogSearch {
  const r = parseLogSearch(q, log);
  if (!r.ok) throw badRequest(`querystring.q: ${r.error.message}`, { column: r.error.column });
  return r.query;
}

/**
 * project: and environment: with one value, not negated, are lifted into the request's project and
 * environment (so they get the same scope check and not-found answer as the parameters). Returns the
 * value when the parameter is free or the same, else undefined (then it stays a condition).
 */
export function liftedSlug(search: LogSearch, key: 'project' | 'environment', param: string | undefined): string | undefined {
  const terms = search.terms.filter((t) => t.kind === 'field' && t.key === key);
  const t = terms[0];
  if (terms.length !== 1 || !t || t.kind !== 'field' || t.negated || t.values.length !== 1) return undefined;
  const v = (t.values[0] as SearchValue).text;
  return param === undefined || param === v ? v : undefined;
}

const eq = (column: LogMatch['column'], value: string | number): LogMatch => ({ column, op: 'eq', value });
const actorMatches = (v: string): LogMatch[] => [{ column: 'actor_email', op: 'ieq', value: v }, eq('actor_name', v), eq('actor_id', v)];

/** The text prefixes of an IPv4 network, e.g. 10.0.0.0/8 → "10."; 10.16.0.0/12 → "10.16." … "10.31.". */
function ipv4Matches(cidr: string): LogMatch[] {
  const [addr, bitsText] = cidr.split('/') as [string, string | undefined];
  const octets = addr.split('.').map(Number);
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (bits === 32) return [eq('actor_ip', addr), eq('actor_ip', `::ffff:${addr}`)];
  // 0.0.0.0/0: any address at all.
  if (bits === 0) return [{ column: 'actor_ip', op: 'prefix', value: '' }];
  const whole = Math.floor(bits / 8);
  const rest = bits % 8;
  const head = octets.slice(0, whole);
  const values: number[] = [];
  if (rest === 0) values.push(-1);
  else {
    const size = 2 ** (8 - rest);
    const start = (octets[whole] as number) & ~(size - 1) & 0xff;
    for (let v = start; v < start + size; v++) values.push(v);
  }
  const out: LogMatch[] = [];
  for (const v of values) {
    const parts = v < 0 ? head : [...head, v];
    const isWhole = parts.length === 4;
    const text = parts.join('.') + (isWhole ? '' : '.');
    for (const p of [text, `::ffff:${text}`]) out.push(isWhole ? eq('actor_ip', p) : { column: 'actor_ip', op: 'prefix', value: p });
  }
  return out;
}

function ipMatches(v: string): LogMatch[] {
  return v.includes(':') ? [eq('actor_ip', v.toLowerCase())] : ipv4Matches(v);
}

/** Request ids: the whole id, or the last characters of one (the CLI's REQUEST column shows them). */
function requestMatches(v: string): LogMatch[] {
  return v.length >= 32 ? [eq('request_id', v)] : [eq('request_id', v), { column: 'request_id', op: 'suffix', value: v }];
}

function pathMatches(v: SearchValue): LogMatch[] {
  return v.prefix ? [{ column: 'path', op: 'prefix', value: v.text }] : [eq('path', v.text), { column: 'path', op: 'prefix', value: `${v.text}?` }];
}

function wordMatches(v: SearchValue, log: SearchLog): LogMatch[] {
  const target: LogMatch[] = log === 'audit' ? [v.prefix ? { column: 'resource', op: 'prefix', value: v.text } : eq('resource', v.text)] : pathMatches(v);
  const actor: LogMatch[] = v.prefix ? [{ column: 'actor_email', op: 'prefix', value: v.text }, { column: 'actor_name', op: 'prefix', value: v.text }] : actorMatches(v.text);
  return [...target, ...actor];
}

function termMatches(t: Exclude<SearchTerm, { kind: 'created' }>, log: SearchLog): LogMatch[] {
  if (t.kind === 'word') return wordMatches(t.value, log);
  return t.values.flatMap((v): LogMatch[] => {
    switch (t.key) {
      case 'actor':
        return actorMatches(v.text);
      case 'event':
      case 'outcome':
      case 'method':
        return [eq(t.key, v.text)];
      case 'environment':
        return [eq('environment_slug', v.text)];
      case 'project':
        return [eq('project_slug', v.text)];
      case 'resource':
        return [v.prefix ? { column: 'resource', op: 'prefix', value: v.text } : eq('resource', v.text)];
      case 'ip':
        return ipMatches(v.text);
      case 'request':
        return requestMatches(v.text);
      case 'status':
        return [eq('status', Number(v.text))];
      case 'path':
        return pathMatches(v);
    }
  });
}

const later = (a: string | undefined, b: string | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);
const earlier = (a: string | undefined, b: string | undefined) => (a === undefined ? b : b === undefined ? a : a < b ? a : b);

type AnyFilter = AuditFilter & AccessFilter;

/**
 * The filter with the search applied. `lifted` names the keys already applied as parameters (a
 * project: or environment: term lifted into the request).
 */
export function applySearch<F extends LogFilterBase>(filter: F, search: LogSearch, log: SearchLog, now: Date, lifted: ReadonlySet<string> = new Set()): F {
  const f = { ...filter } as { -readonly [K in keyof AnyFilter]: AnyFilter[K] };
  const conditions: LogCondition[] = [...(filter.conditions ?? [])];
  for (const t of search.terms) {
    if (t.kind === 'created') {
      const r = resolveCreated(t.range, now);
      f.since = later(f.since, r.since);
      f.until = earlier(f.until, r.until);
      continue;
    }
    if (t.kind === 'field' && !t.negated && lifted.has(t.key)) continue;
    if (t.kind === 'field' && !t.negated && intoField(f, t)) continue;
    conditions.push({ any: termMatches(t, log), negated: t.negated });
  }
  if (f.since !== undefined && f.until !== undefined && f.since >= f.until) conditions.push({ any: [], negated: false });
  return { ...(f as unknown as F), conditions };
}

/** Puts a positive term into its filter field when that keeps the meaning (the field is free, or an intersection). */
function intoField(f: { -readonly [K in keyof AnyFilter]: AnyFilter[K] }, t: Extract<SearchTerm, { kind: 'field' }>): boolean {
  const values = t.values.map((v) => v.text);
  const one = t.values.length === 1 && !(t.values[0] as SearchValue).prefix ? (values[0] as string) : undefined;
  switch (t.key) {
    case 'event': {
      const list = f.events === undefined ? values : f.events.filter((e) => values.includes(e));
      if (list.length === 0) return false; // no event in common: the condition then matches nothing
      f.events = list as EventType[];
      return true;
    }
    case 'actor':
      if (one === undefined || f.actor !== undefined) return false;
      f.actor = one;
      return true;
    case 'outcome':
      if (one === undefined || f.outcome !== undefined) return false;
      f.outcome = one as Outcome;
      return true;
    case 'resource':
      if (one === undefined || f.resource !== undefined) return false;
      f.resource = one;
      return true;
    case 'request':
      if (one === undefined || one.length < 32 || f.requestId !== undefined) return false;
      f.requestId = one;
      return true;
    case 'method':
      if (one === undefined || f.method !== undefined) return false;
      f.method = one;
      return true;
    case 'status':
      if (one === undefined || f.status !== undefined) return false;
      f.status = Number(one);
      return true;
    default:
      return false;
  }
}
