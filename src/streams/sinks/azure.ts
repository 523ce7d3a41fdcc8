import type { OutRecord } from '../formatters/types.js';
import { httpFailure, ok, post } from './http.js';
import { oneLine, SinkError, type SinkFactory } from './types.js';

/**
 * Azure Monitor Logs Ingestion API (the Data Collector API is retired):
 * `POST {endpoint}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01` with a bearer
 * token from the OAuth 2 client-credentials grant (scope https://monitor.azure.com//.default), cached
 * until a minute before it expires and fetched anew on a 401. At most 1 MB per call; 204 is success,
 * 429 and 5xx are retried after Retry-After. Each record becomes one row of the DCR stream's columns
 * (docs/streams.md).
 */
export const azureSink: SinkFactory<'azure'> = (c, deps) => {
  const authority = (c.authorityUrl ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  const ingestUrl = `${c.endpoint.replace(/\/+$/, '')}/dataCollectionRules/${c.dcrImmutableId}/streams/${c.streamName}?api-version=2023-01-01`;
  let token: { value: string; until: number } | null = null;

  async function getToken(signal: AbortSignal): Promise<string> {
    if (token && Date.now() < token.until) return token.value;
    const form = new URLSearchParams({ client_id: c.clientId, client_secret: c.clientSecret, grant_type: 'client_credentials', scope: 'https://monitor.azure.com//.default' });
    const a = await post(deps.fetch, `${authority}/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      signal,
    });
    if (!ok(a)) {
      // Only the error code leaves: the description may echo request details.
      let code = '';
      try {
        code = String((JSON.parse(a.text) as { error?: string }).error ?? '');
      } catch {
        /* not JSON */
      }
      const retry = a.status === 429 || a.status >= 500;
      throw new SinkError(`Azure token endpoint answered ${a.status}${code ? ` ${oneLine(code, 80)}` : ''}`, !retry);
    }
    const j = JSON.parse(a.text) as { access_token?: string; expires_in?: number | string };
    if (!j.access_token) throw new SinkError('Azure token endpoint answered without an access_token', true);
    token = { value: j.access_token, until: Date.now() + Math.max(0, Number(j.expires_in ?? 3600) - 60) * 1000 };
    return token.value;
  }

  const row = (r: OutRecord) => {
    const e = r.entry;
    return {
      TimeGenerated: new Date(r.time).toISOString(),
      Seq: r.seq,
      Event: r.event,
      Outcome: r.outcome,
      ActorType: e?.actor.type ?? null,
      Actor: e ? (e.actor.email ?? e.actor.name) : null,
      ActorIp: e?.actor.ip ?? null,
      Project: e?.projectSlug ?? null,
      Environment: e?.environmentSlug ?? null,
      Resource: e?.resource ?? null,
      RequestId: e?.requestId ?? null,
      Reason: e?.reason ?? null,
      Record: typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
    };
  };

  return {
    maxRecords: 1000,
    maxBytes: 900_000,
    async send(records, signal) {
      const body = JSON.stringify(records.map(row));
      for (let attempt = 0; ; attempt++) {
        const bearer = await getToken(signal);
        const a = await post(deps.fetch, ingestUrl, { headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body, gzip: true, signal });
        if (ok(a)) return;
        if (a.status === 401 && attempt === 0) {
          token = null; // expired or revoked early: one fresh token, then the answer stands
          continue;
        }
        throw httpFailure('Azure Logs Ingestion', a);
      }
    },
    async close() {},
  };
};
