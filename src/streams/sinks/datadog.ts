import type { OutRecord } from '../formatters/types.js';
import { httpFailure, ok, post } from './http.js';
import type { SinkFactory } from './types.js';

/**
 * Datadog Logs API v2: `POST https://http-intake.logs.<site>/api/v2/logs` with `DD-API-KEY`, gzip, a
 * JSON array of at most 1,000 logs and 5 MB (uncompressed). 202 is success; 400, 401, 403 and 413 are
 * permanent; 408, 429 and 5xx are retried.
 */
export const datadogSink: SinkFactory<'datadog'> = (c, deps) => {
  const url = c.url ?? `https://http-intake.logs.${c.site ?? 'datadoghq.com'}/api/v2/logs`;
  const log = (r: OutRecord) => ({
    ddsource: c.ddsource ?? 'bella-baxter',
    ...(c.ddtags ? { ddtags: c.ddtags } : {}),
    hostname: c.hostname ?? deps.hostname,
    service: c.service ?? 'bella-baxter',
    timestamp: r.time,
    seq: r.seq,
    event: r.event,
    message: typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
  });
  return {
    maxRecords: 1000,
    maxBytes: 4_500_000,
    async send(records, signal) {
      const a = await post(deps.fetch, url, {
        headers: { 'dd-api-key': c.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(records.map(log)),
        gzip: true,
        signal,
      });
      if (!ok(a)) throw httpFailure('Datadog', a);
    },
    async close() {},
  };
};
