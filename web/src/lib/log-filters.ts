import { ACTOR_TYPES, OUTCOMES, isEventType } from '../../../src/contract/events.js';
import type { ActorType, EventType, Outcome } from '../../../src/contract/events.js';
import { CLIENT_RE, HTTP_METHODS, SLUG_RE } from '../../../src/contract/log-query.js';
import { parseTimeBound } from '../../../src/contract/time.js';
import { sortByCatalog } from './event-groups';

/**
 * Filter state of the log pages <-> the page URL <-> the API query. The URL uses the API's own
 * parameter names (environment, since, event=A,B, …), so a shared link, the API request and the
 * CLI flags all say the same thing. The controls read the URL leniently (a bad value leaves its
 * control empty), but the API is asked with the URL's values exactly as written (apiFilterSearch),
 * so `since=yesterday` or `event=Bogus` gets the API's own 400 and the page shows it, instead of
 * silently showing everything.
 */
export interface AuditFilters {
  readonly environment?: string;
  readonly since?: string;
  readonly until?: string;
  readonly actor?: string;
  readonly actorType?: ActorType;
  readonly events: readonly EventType[];
  readonly outcome?: Outcome;
  readonly resource?: string;
  readonly requestId?: string;
  /** actor.client: the calling application */
  readonly client?: string;
  /** the search syntax of src/contract/log-search.ts */
  readonly q?: string;
}

export interface AccessFilters {
  readonly environment?: string;
  readonly since?: string;
  readonly until?: string;
  readonly actor?: string;
  readonly method?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly q?: string;
  /** the request path without its query (a trailing * matches a prefix) */
  readonly path?: string;
  /** hide the signed-in user's own requests ("hide my own reads") */
  readonly excludeSelf?: boolean;
}

export const EMPTY_AUDIT_FILTERS: AuditFilters = { events: [] };
export const EMPTY_ACCESS_FILTERS: AccessFilters = {};

const text = (v: string | null, max: number): string | undefined => {
  const t = v?.trim();
  return t && t.length <= max && !/[\u0000-\u001f\u007f]/.test(t) ? t : undefined;
};
const slug = (v: string | null) => (v && SLUG_RE.test(v) ? v : undefined);
const time = (v: string | null) => (v && parseTimeBound(v, new Date()) ? v.trim() : undefined);

function common(q: URLSearchParams) {
  return {
    environment: slug(q.get('environment')),
    since: time(q.get('since')),
    until: time(q.get('until')),
    actor: text(q.get('actor'), 320),
    requestId: text(q.get('requestId'), 128),
    q: text(q.get('q'), 2000),
  };
}

/** Drops undefined keys so equal filters compare equal and serialise identically. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function parseAuditFilters(search: string): AuditFilters {
  const q = new URLSearchParams(search);
  const events = q
    .getAll('event')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(isEventType);
  const actorType = q.get('actorType');
  const outcome = q.get('outcome');
  return compact({
    ...common(q),
    actorType: (ACTOR_TYPES as readonly string[]).includes(actorType ?? '') ? (actorType as ActorType) : undefined,
    events: sortByCatalog(events),
    outcome: (OUTCOMES as readonly string[]).includes(outcome ?? '') ? (outcome as Outcome) : undefined,
    resource: text(q.get('resource'), 512),
    client: CLIENT_RE.test(q.get('client') ?? '') ? (q.get('client') as string) : undefined,
  });
}

export function parseAccessFilters(search: string): AccessFilters {
  const q = new URLSearchParams(search);
  const method = q.get('method')?.toUpperCase();
  const status = Number(q.get('status'));
  return compact({
    ...common(q),
    method: (HTTP_METHODS as readonly string[]).includes(method ?? '') ? method : undefined,
    status: Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined,
    path: text(q.get('path'), 512),
    excludeSelf: q.get('excludeSelf') === 'true' ? true : undefined,
  });
}

/** Canonical query string (fixed key order, events comma-joined in catalog order), without "?". */
/** Writes the filters both logs share, in the canonical key order; returns the setter for the rest. */
function commonToSearch(f: AccessFilters | AuditFilters, q: URLSearchParams) {
  const put = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') q.set(k, v);
  };
  put('environment', f.environment);
  put('since', f.since);
  put('until', f.until);
  put('actor', f.actor);
  put('q', f.q);
  return put;
}

/** Canonical query string (fixed key order, events comma-joined in catalog order), without "?". */
export function auditFiltersToSearch(f: AuditFilters): string {
  const q = new URLSearchParams();
  const put = commonToSearch(f, q);
  put('actorType', f.actorType);
  if (f.events.length > 0) q.set('event', sortByCatalog(f.events).join(','));
  put('outcome', f.outcome);
  put('resource', f.resource);
  put('requestId', f.requestId);
  put('client', f.client);
  return q.toString();
}

export function accessFiltersToSearch(f: AccessFilters): string {
  const q = new URLSearchParams();
  const put = commonToSearch(f, q);
  put('method', f.method);
  put('status', f.status === undefined ? undefined : String(f.status));
  put('requestId', f.requestId);
  put('path', f.path);
  put('excludeSelf', f.excludeSelf ? 'true' : undefined);
  return q.toString();
}

const COMMON_KEYS = ['environment', 'since', 'until', 'actor', 'q', 'requestId'] as const;
/** The URL parameters each page passes to its API, by the API's own names. */
export const AUDIT_URL_KEYS: readonly string[] = [...COMMON_KEYS, 'actorType', 'event', 'outcome', 'resource', 'client'];
export const ACCESS_URL_KEYS: readonly string[] = [...COMMON_KEYS, 'method', 'status', 'path', 'excludeSelf'];

/**
 * The filter part of the API query: the page URL's own values for the log's keys, as written (an
 * empty value is no filter). Unknown parameters stay out, so the API's strict schema is not tripped
 * by the page's own (live=…) parameters.
 */
export function apiFilterSearch(search: string, keys: readonly string[]): string {
  const from = new URLSearchParams(search);
  const out = new URLSearchParams();
  for (const k of keys) {
    const vs = from.getAll(k).filter((v) => v !== '');
    if (vs.length > 0) out.set(k, vs.join(','));
  }
  return out.toString();
}

/** The API query for a page of a project's log: the URL filters plus project (and paging). */
export function toApiQuery(project: string, filterSearch: string, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams(filterSearch);
  q.set('project', project);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, v);
  return q.toString();
}

/** How many filters narrow the view, for the "Clear filters (n)" button and empty-state hints. */
export function countAuditFilters(f: AuditFilters): number {
  return [f.environment, f.since ?? f.until, f.actor, f.actorType, f.events.length ? 'e' : undefined, f.outcome, f.resource, f.requestId, f.client, f.q].filter(
    (v) => v !== undefined,
  ).length;
}
