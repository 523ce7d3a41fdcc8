/** Query names whose values are safe to keep in logs (filters, paging, formats); all others are dropped. */
const SAFE_QUERY = new Set([
  'project', 'environment', 'event', 'outcome', 'actorType', 'limit', 'format', 'method', 'status', 'buckets', 'since', 'until',
]);

/**
 * The path as the Access Log and server log keep it: query names kept, values left out unless they are
 * known-safe filter values, so a secret passed in a query string never lands in a log. Pass
 * keepSafeValues = false when the server refused the request: a refused value is not known to be a
 * filter value at all (a secret pasted into the wrong flag, say), so then every value is left out.
 */
export function redactUrl(url: string, keepSafeValues = true): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const parts: string[] = [];
  for (const [k, v] of params) {
    const name = encodeURIComponent(k.slice(0, 64));
    parts.push(keepSafeValues && SAFE_QUERY.has(k) ? `${name}=${encodeURIComponent(v.slice(0, 128))}` : `${name}=`);
  }
  return `${url.slice(0, q)}${parts.length ? `?${parts.join('&')}` : ''}`;
}
