/**
 * The one rule for what a log keeps of query values (the Access Log's path, the server log's url, the
 * details.filters of an export's own Audit Log entry): names are kept, values only for names known to
 * carry filter values that are safe to keep, so a secret pasted into a query (`actor=<secret>`) never
 * lands in a log. Everything else keeps its name with an empty value.
 */
export const SAFE_QUERY_NAMES: ReadonlySet<string> = new Set([
  'project', 'environment', 'event', 'outcome', 'actorType', 'limit', 'format', 'method', 'status', 'buckets', 'since', 'until',
]);

const MAX_NAME = 64;
const MAX_VALUE = 128;

/** The value a log keeps for `name=value`: the value (cut to 128 characters) for a safe name, else ''. */
export function redactQueryValue(name: string, value: string, keepSafeValues = true): string {
  return keepSafeValues && SAFE_QUERY_NAMES.has(name) ? value.slice(0, MAX_VALUE) : '';
}

/**
 * The path as the Access Log and server log keep it: query names kept, values left out unless they are
 * known-safe filter values. Pass keepSafeValues = false when the server refused the request: a refused
 * value is not known to be a filter value at all (a secret pasted into the wrong flag, say), so then
 * every value is left out.
 */
export function redactUrl(url: string, keepSafeValues = true): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const parts: string[] = [];
  for (const [k, v] of params) {
    parts.push(`${encodeURIComponent(k.slice(0, MAX_NAME))}=${encodeURIComponent(redactQueryValue(k, v, keepSafeValues))}`);
  }
  return `${url.slice(0, q)}${parts.length ? `?${parts.join('&')}` : ''}`;
}

/**
 * Parsed query values (strings, numbers, lists of strings) under the same rule: a safe name keeps its
 * value (strings cut to 128 characters), any other name is kept with ''.
 */
export function redactFilters(filters: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined) continue;
    const name = k.slice(0, MAX_NAME);
    if (!SAFE_QUERY_NAMES.has(k)) out[name] = '';
    else if (typeof v === 'string') out[name] = redactQueryValue(k, v);
    else if (Array.isArray(v)) out[name] = v.map((x) => (typeof x === 'string' ? redactQueryValue(k, x) : typeof x === 'number' ? x : ''));
    else if (typeof v === 'number' || typeof v === 'boolean') out[name] = v;
    else out[name] = '';
  }
  return out;
}
