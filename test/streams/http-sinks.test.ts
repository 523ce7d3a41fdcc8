import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { FORMATTERS, type OutRecord } from '../../src/streams/formatters/index.js';
import { createSink, SinkError } from '../../src/streams/sinks/index.js';
import { auditEntry } from '../helpers/audit-entry.js';
import { startAzureReceiver, startDatadogReceiver, startWebhookReceiver, type Receiver } from '../helpers/siem-receivers.js';

const entry = (seq: number, over: Partial<AuditEntry> = {}): AuditEntry =>
  auditEntry({ id: `0190-${seq}`, seq, timestamp: new Date(Date.UTC(2026, 11, 4, 10, 0, 0, seq)).toISOString(), requestId: `req-${seq}`, details: { version: 1 }, ...over });
const records = (n: number, from = 1): OutRecord[] => Array.from({ length: n }, (_, i) => FORMATTERS.json.entry(entry(from + i)));
const deps = { stream: { id: 's1', name: 'test-stream' }, hostname: 'bella-node-1', fetch: globalThis.fetch };
const signal = () => AbortSignal.timeout(5000);

async function refusal(p: Promise<unknown>): Promise<SinkError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SinkError);
    return e as SinkError;
  }
  throw new Error('expected the sink to refuse');
}

describe('HTTP sinks against receivers that follow the documented protocols', () => {
  const open: Receiver[] = [];
  afterAll(async () => {
    for (const r of open) await r.close();
  });

  it('Datadog: DD-API-KEY, gzip, ≤ 1,000 logs per request with ddsource/ddtags/service/hostname; 403 permanent, 429 and 5xx retried', async () => {
    const rx = await startDatadogReceiver();
    open.push(rx);
    const sink = createSink({ type: 'datadog', url: `${rx.url}/api/v2/logs`, apiKey: rx.apiKey, ddtags: 'env:prod,team:sec', service: 'bella' }, deps);
    expect(sink.maxRecords).toBe(1000);
    await sink.send(records(3), signal());
    expect(rx.logs).toHaveLength(3);
    expect(rx.logs[0]).toMatchObject({ ddsource: 'bella-baxter', ddtags: 'env:prod,team:sec', service: 'bella', hostname: 'bella-node-1', seq: 1, event: 'SecretRead' });
    expect(JSON.parse(rx.logs[0]?.message as string)).toMatchObject({ seq: 1, event: 'SecretRead' });
    // A batch over the documented limit is refused by the intake (413), which is permanent.
    expect((await refusal(sink.send(records(1001), signal()))).permanent).toBe(true);
    rx.outage.push({ status: 429, headers: { 'retry-after': '3' } });
    const throttled = await refusal(sink.send(records(1), signal()));
    expect(throttled).toMatchObject({ permanent: false, retryAfterMs: 3000 });
    rx.outage.push({ status: 503 });
    expect((await refusal(sink.send(records(1), signal()))).permanent).toBe(false);
    rx.outage.push({ status: 408 });
    expect((await refusal(sink.send(records(1), signal()))).permanent).toBe(false);
    const wrong = createSink({ type: 'datadog', url: `${rx.url}/api/v2/logs`, apiKey: 'not-the-key' }, deps);
    const e = await refusal(wrong.send(records(1), signal()));
    expect(e.permanent).toBe(true);
    expect(e.message).toMatch(/403/);
    expect(e.message).not.toContain('not-the-key');
  });

  it('Azure Logs Ingestion: a client-credentials token cached across calls, fetched anew on 401; 204 success; 1 MB limit; 429 Retry-After', async () => {
    const o = { tenant: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-000000000001', clientSecret: 'azure-client-secret-xyz', dcr: `dcr-${'a'.repeat(32)}`, stream: 'Custom-BellaAudit_CL' };
    const rx = await startAzureReceiver(o);
    open.push(rx);
    const cfg = { type: 'azure' as const, endpoint: rx.url, authorityUrl: rx.url, dcrImmutableId: o.dcr, streamName: o.stream, tenantId: o.tenant, clientId: o.clientId, clientSecret: o.clientSecret };
    const sink = createSink(cfg, deps);
    await sink.send(records(2), signal());
    await sink.send(records(2, 3), signal());
    expect(rx.tokenRequests).toBe(1);
    expect(rx.rows.map((r) => r.Seq)).toEqual([1, 2, 3, 4]);
    expect(rx.rows[0]).toMatchObject({ Event: 'SecretRead', Outcome: 'Success', Actor: 'alice@example.com', Project: 'my-api', Environment: 'production', Resource: 'DB_URL', TimeGenerated: entry(1).timestamp });
    // The token revoked early: one fresh token, and the batch goes through.
    rx.revoked.add(rx.tokens[0] as string);
    await sink.send(records(1, 5), signal());
    expect(rx.tokenRequests).toBe(2);
    expect(rx.rows.map((r) => r.Seq)).toEqual([1, 2, 3, 4, 5]);
    rx.outage.push({ status: 429, headers: { 'retry-after': '7' } });
    expect(await refusal(sink.send(records(1, 6), signal()))).toMatchObject({ permanent: false, retryAfterMs: 7000 });
    expect(sink.maxBytes).toBeLessThanOrEqual(1024 * 1024);
    const big = [FORMATTERS.json.entry(entry(9, { details: { blob: 'x'.repeat(1_100_000) } }))];
    expect((await refusal(sink.send(big, signal()))).permanent).toBe(true);
    // A wrong client secret: the token endpoint's error code only, never the secret, and permanent.
    const bad = createSink({ ...cfg, clientSecret: 'wrong-secret-value' }, deps);
    const e = await refusal(bad.send(records(1), signal()));
    expect(e).toMatchObject({ permanent: true });
    expect(e.message).toMatch(/401 invalid_client/);
    expect(e.message).not.toContain('wrong-secret-value');
  });

  it('webhook: X-Bella-Signature t=<unix>,v1=HMAC-SHA256(secret, "{t}.{body}") verifies; a wrong secret is refused (401, permanent)', async () => {
    const secret = 'webhook-secret-0123456789';
    const rx = await startWebhookReceiver(secret);
    open.push(rx);
    await createSink({ type: 'webhook', url: rx.url, secret }, deps).send(records(2), signal());
    expect(rx.deliveries).toEqual([{ stream: 'test-stream', records: [expect.objectContaining({ seq: 1 }), expect.objectContaining({ seq: 2 })] }]);
    const e = await refusal(createSink({ type: 'webhook', url: rx.url, secret: 'another-secret-0123456789' }, deps).send(records(1), signal()));
    expect(e.permanent).toBe(true);
    expect(rx.badSignatures).toBe(1);
    rx.outage.push({ status: 500 });
    expect((await refusal(createSink({ type: 'webhook', url: rx.url, secret }, deps).send(records(1), signal()))).permanent).toBe(false);
  });

  it('a receiver that never answers is given up on when the signal aborts (retryable)', async () => {
    const rx = await startDatadogReceiver();
    open.push(rx);
    rx.hang = true;
    const started = Date.now();
    const e = await refusal(createSink({ type: 'datadog', url: `${rx.url}/api/v2/logs`, apiKey: rx.apiKey }, deps).send(records(1), AbortSignal.timeout(300)));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e).toMatchObject({ permanent: false });
    expect(e.message).toMatch(/no answer before the timeout/);
  });
});
