import { createHmac } from 'node:crypto';
import { httpFailure, ok, post } from './http.js';
import type { SinkFactory } from './types.js';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "{t}.{body}")>`, as the product's webhooks sign. */
export function webhookSignature(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * A signed HTTPS POST of `{"stream", "records": [...]}` (at most 500 records, 1 MB). 2xx accepted;
 * 408, 429 and 5xx retried; any other answer permanent.
 */
export const webhookSink: SinkFactory<'webhook'> = (c, deps) => ({
  maxRecords: 500,
  maxBytes: 1_000_000,
  async send(records, signal) {
    const body = JSON.stringify({ stream: deps.stream.name, records: records.map((r) => r.body) });
    const t = Math.floor(Date.now() / 1000);
    const a = await post(deps.fetch, c.url, {
      headers: { 'content-type': 'application/json', 'x-bella-signature': webhookSignature(c.secret, t, body), 'x-bella-stream': deps.stream.name },
      body,
      signal,
    });
    if (!ok(a)) throw httpFailure('the webhook', a);
  },
  async close() {},
});
