import { randomUUID } from 'node:crypto';
import type { OutRecord } from '../formatters/types.js';
import { httpFailure, post, retryAfterMs, type HttpAnswer } from './http.js';
import { oneLine, SinkError, type SinkFactory } from './types.js';

/** HEC answer codes that mean "try again later" (8 internal error, 9 server busy); the rest of 4xx is permanent. */
const RETRY_CODES = new Set([8, 9]);

const base = (url: string) => url.replace(/\/+$/, '').replace(/\/services\/collector(\/event(\/1\.0)?)?$/, '');

function parse(a: HttpAnswer): { text?: string; code?: number; ackId?: number; acks?: Record<string, boolean> } {
  try {
    return JSON.parse(a.text) as never;
  } catch {
    return {};
  }
}

/**
 * Splunk HTTP Event Collector: `POST /services/collector/event` with `Authorization: Splunk <token>`,
 * gzip, the events concatenated (one JSON object per record: time in epoch seconds with milliseconds,
 * host, source, sourcetype, index, event). With `ack`, every request carries this stream's channel
 * (X-Splunk-Request-Channel) and the batch counts as delivered only once
 * `/services/collector/ack` reports its ackId true; an ack that never comes resends the batch.
 */
export const splunkSink: SinkFactory<'splunk'> = (c, deps) => {
  const root = base(c.url);
  const channel = randomUUID();
  const ackTimeoutMs = (c.ackTimeoutSeconds ?? 60) * 1000;
  const headers = (): Record<string, string> => ({
    authorization: `Splunk ${c.token}`,
    'content-type': 'application/json',
    'x-splunk-request-channel': channel,
  });
  const envelope = (r: OutRecord) =>
    JSON.stringify({
      time: Math.round(r.time) / 1000,
      host: c.host ?? deps.hostname,
      source: c.source ?? 'bella-baxter',
      sourcetype: c.sourcetype ?? (typeof r.body === 'string' ? 'cef' : '_json'),
      ...(c.index ? { index: c.index } : {}),
      event: r.body,
    });
  const failure = (what: string, a: HttpAnswer): SinkError => {
    const j = parse(a);
    if (j.code === undefined) return httpFailure(what, a);
    const msg = `${what} answered ${a.status} code ${j.code}${j.text ? ` (${oneLine(j.text, 150)})` : ''}`;
    const retry = a.status === 429 || a.status >= 500 || RETRY_CODES.has(j.code);
    return new SinkError(msg, !retry, retry ? retryAfterMs(a.headers.get('retry-after')) : null);
  };

  async function waitForAck(ackId: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + ackTimeoutMs;
    let pause = 200;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(0, deadline - Date.now()))));
      if (signal.aborted) throw new SinkError('Splunk HEC: stopped while waiting for the indexer acknowledgement', false);
      pause = Math.min(pause * 2, 5000);
      const a = await post(deps.fetch, `${root}/services/collector/ack?channel=${channel}`, { headers: headers(), body: JSON.stringify({ acks: [ackId] }), signal });
      if (a.status !== 200) throw failure('Splunk HEC ack', a);
      if (parse(a).acks?.[String(ackId)] === true) return;
    }
    throw new SinkError(`Splunk HEC: no indexer acknowledgement for ackId ${ackId} within ${ackTimeoutMs / 1000} s; resending the batch`, false);
  }

  return {
    maxRecords: 1000,
    maxBytes: 800_000,
    async send(records, signal) {
      const a = await post(deps.fetch, `${root}/services/collector/event`, { headers: headers(), body: records.map(envelope).join('\n'), gzip: true, signal });
      const j = parse(a);
      if (a.status !== 200 || (j.code !== undefined && j.code !== 0)) throw failure('Splunk HEC', a);
      if (c.ack) {
        if (typeof j.ackId !== 'number') throw new SinkError('Splunk HEC answered without an ackId although acknowledgement is on for this stream (enable indexer acknowledgement on the token, or set ack: false)', true);
        await waitForAck(j.ackId, signal);
      }
    },
    async close() {},
  };
};
