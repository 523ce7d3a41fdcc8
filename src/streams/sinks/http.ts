import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { oneLine, SinkError } from './types.js';

/** On libuv's thread pool: compressing a batch never holds the event loop that serves requests. */
const gzip = promisify(gzipCb);

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Retry-After as seconds or an HTTP date, in milliseconds (capped at an hour); null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const t = Date.parse(v);
    if (Number.isNaN(t)) return null;
    ms = Math.max(0, t - now);
  }
  return Math.min(ms, 3_600_000);
}

/** POSTs a body (gzipped when asked) and reads the whole answer; a network failure or abort is retryable. */
export async function post(
  fetchFn: typeof fetch,
  url: string,
  opts: { readonly headers: Record<string, string>; readonly body: string; readonly gzip?: boolean; readonly signal: AbortSignal },
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: BodyInit = opts.body;
  if (opts.gzip) {
    body = new Blob([new Uint8Array(await gzip(opts.body))]);
    headers['content-encoding'] = 'gzip';
  }
  try {
    const res = await fetchFn(url, { method: 'POST', headers, body, signal: opts.signal });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (e) {
    const why = opts.signal.aborted ? 'no answer before the timeout' : e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    throw new SinkError(`${new URL(url).host} could not be reached: ${oneLine(why)}`, false);
  }
}

/**
 * The common HTTP intake rule: 2xx accepted; 408, 429 and 5xx retried (after Retry-After when given);
 * any other answer (400, 401, 403, 413 …) permanent for this batch.
 */
export function httpFailure(what: string, a: HttpAnswer): SinkError {
  const retry = a.status === 408 || a.status === 429 || a.status >= 500;
  return new SinkError(`${what} answered ${a.status}${a.text ? `: ${oneLine(a.text, 200)}` : ''}`, !retry, retry ? retryAfterMs(a.headers.get('retry-after')) : null);
}

export const ok = (a: HttpAnswer) => a.status >= 200 && a.status < 300;
