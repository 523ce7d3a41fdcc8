import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry } from '../src/contract/entries.js';
import type { SinkConfig, StreamView } from '../src/contract/streams.js';
import { FORMATTERS } from '../src/streams/formatters/index.js';
import { createSink } from '../src/streams/sinks/index.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { startDatadogReceiver, startHecReceiver, type Receiver } from '../test/helpers/siem-receivers.js';
import { generateAuditLog } from './lib/generate.js';
import type { Report } from './lib/report.js';
import { BENCH_SERVER, measure, startBella, tempDir } from './lib/servers.js';
import { createFixture } from './lib/setup.js';

const G = '9 streams';
const NATS = 'nats://127.0.0.1:4222';

async function api<T>(url: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const r = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function natsJetStream(name: string, subject: string): Promise<{ drop(): Promise<void> } | null> {
  try {
    const { connect } = await import('nats');
    const nc = await connect({ servers: NATS, timeout: 2000 });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(name).catch(() => undefined);
    await jsm.streams.add({ name, subjects: [subject] });
    return {
      async drop() {
        await jsm.streams.delete(name).catch(() => undefined);
        await nc.close();
      },
    };
  } catch {
    return null;
  }
}

/**
 * Benchmark 9: Audit Log streams. (a) Delivery throughput per sink (the server's stream delivering a
 * pre-filled log from the oldest entry: reads by seq, formats, sends, commits its cursor) as a ratio
 * to the receiver's own intake rate measured in the same run (the same records sent straight to the
 * receiver by the sink, in batches, from this process). (b) The lag (arrival at the receiver minus
 * the entry's timestamp) p99 under a steady write load. (c) The audited-read p99 with one stream to a
 * receiver that accepts connections and never answers, against the p99 with no stream.
 */
export async function benchStreams(report: Report, o: { entries: number; duration: number; warmup: number }): Promise<void> {
  const tmp = tempDir('streams');
  const data = join(tmp.dir, 'data');
  mkdirSync(data, { recursive: true });
  const now = Date.now();
  await generateAuditLog(join(data, 'bella.db'), { entries: o.entries, startMs: now - 3_600_000, endMs: now - 60_000 });
  // The records the direct intake run sends: the same entries, read once here.
  const store = createSqliteStore({ file: join(data, 'bella.db') });
  await store.migrate();
  const entries: AuditEntry[] = [];
  for await (const e of store.auditLog.range(0)) entries.push(e);
  await store.close();
  const records = entries.map((e) => FORMATTERS.json.entry(e));
  const server = await startBella(BENCH_SERVER, data, { env: { BENCH_SYNCHRONOUS: 'FULL', BELLA_STREAM_POLL_MS: '100' } });
  const receivers: Receiver[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const fx = await createFixture(server.url);
    const direct = async (cfg: SinkConfig): Promise<number> => {
      const sink = createSink(cfg, { stream: { id: 'direct', name: 'direct' }, hostname: 'bench', fetch: globalThis.fetch });
      const t0 = performance.now();
      for (let i = 0; i < records.length; i += sink.maxRecords) await sink.send(records.slice(i, i + sink.maxRecords), AbortSignal.timeout(30_000));
      await sink.close();
      return records.length / ((performance.now() - t0) / 1000);
    };
    const delivered = async (name: string, sink: Record<string, unknown>): Promise<number> => {
      const last = entries[entries.length - 1]?.seq ?? 0;
      const t0 = performance.now();
      await api(server.url, 'POST', '/api/v1/audit-streams', fx.adminToken, { name, sink, start: 'oldest', heartbeatSeconds: 0 });
      for (;;) {
        const v = await api<StreamView>(server.url, 'GET', `/api/v1/audit-streams/${name}`, fx.adminToken);
        if (v.health.cursor >= last) break;
        if (v.health.state === 'failing') throw new Error(`stream ${name} failing: ${v.health.lastError}`);
        if (performance.now() - t0 > 300_000) throw new Error(`stream ${name}: not delivered within 300 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const rate = last / ((performance.now() - t0) / 1000);
      await api(server.url, 'DELETE', `/api/v1/audit-streams/${name}`, fx.adminToken);
      return rate;
    };
    const row = (sink: string, got: number, base: number) =>
      report.add({ group: G, metric: `${sink}: delivery of ${entries.length.toLocaleString('en-US')} entries vs the receiver's own intake`, unit: 'entries/s', value: got, baseline: base, ratio: got / base, target: 'ratio >= 0.80', met: got / base >= 0.8 });

    const hec = await startHecReceiver();
    receivers.push(hec);
    const hecCfg = { type: 'splunk' as const, url: hec.url, token: hec.token };
    row('Splunk HEC', await delivered('bench-hec', hecCfg), await direct(hecCfg));
    const dd = await startDatadogReceiver();
    receivers.push(dd);
    const ddCfg = { type: 'datadog' as const, url: `${dd.url}/api/v2/logs`, apiKey: dd.apiKey };
    row('Datadog', await delivered('bench-datadog', ddCfg), await direct(ddCfg));
    const js = await natsJetStream(`BENCH_${process.pid}`, `bench-${process.pid}.audit`);
    if (js) {
      cleanups.push(() => js.drop());
      const natsCfg = { type: 'nats' as const, servers: NATS, subject: `bench-${process.pid}.audit` };
      const d = await direct(natsCfg);
      row('NATS JetStream', await delivered('bench-nats', natsCfg), d);
    } else report.skip(G, 'NATS JetStream delivery vs intake', 'ratio >= 0.80', `no nats-server at ${NATS}`);

    // Lag under a steady write load: 100 audited writes a second for the read duration, each entry's
    // arrival at the receiver minus its timestamp.
    const lagRx = await startHecReceiver();
    receivers.push(lagRx);
    await api(server.url, 'POST', '/api/v1/audit-streams', fx.adminToken, { name: 'bench-lag', sink: { type: 'splunk', url: lagRx.url, token: lagRx.token }, heartbeatSeconds: 0 });
    const writeBase = fx.readPath.replace(/\/secrets\/[^/]+$/, '/secrets');
    const tEnd = performance.now() + o.duration * 1000;
    let sent = 0;
    const writes: Promise<unknown>[] = [];
    while (performance.now() < tEnd) {
      writes.push(api(server.url, 'PUT', `${writeBase}/LAG_${sent % 50}`, fx.adminToken, { value: `v${sent}` }));
      sent++;
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(writes);
    const lastWrite = Date.now();
    while (Date.now() - lastWrite < 10_000 && lagRx.events.filter((e) => (e.event as AuditEntry).event === 'SecretUpdated' || (e.event as AuditEntry).event === 'SecretCreated').length < sent) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const lags = lagRx.events
      .map((e, i) => ({ e: e.event as AuditEntry, at: lagRx.arrivedAt[i] as number }))
      .filter((x) => x.e.event === 'SecretUpdated' || x.e.event === 'SecretCreated')
      .map((x) => x.at - Date.parse(x.e.timestamp))
      .sort((a, b) => a - b);
    const p99 = lags[Math.min(lags.length - 1, Math.floor(lags.length * 0.99))] ?? NaN;
    report.add({ group: G, metric: `lag p99 under ${Math.round(sent / o.duration)} audited writes/s (Splunk HEC, ${lags.length} of ${sent} entries timed)`, unit: 'ms', value: p99, baseline: null, ratio: null, target: 'p99 <= 2000 ms', met: p99 <= 2000 && lags.length === sent });
    await api(server.url, 'DELETE', '/api/v1/audit-streams/bench-lag', fx.adminToken);

    const headers = { authorization: `Bearer ${fx.apiKey}` };
    const none = await measure(server, fx.readPath, headers, o.duration, o.warmup);
    const hung = await startHecReceiver();
    hung.hang = true;
    receivers.push(hung);
    await api(server.url, 'POST', '/api/v1/audit-streams', fx.adminToken, { name: 'bench-hung', sink: { type: 'splunk', url: hung.url, token: hung.token } });
    const withHung = await measure(server, fx.readPath, headers, o.duration, o.warmup);
    const ratio = withHung.load.p99 / none.load.p99;
    report.add({ group: G, metric: 'audited-read p99 with one stream to a sink that never answers vs no stream', unit: 'ms', value: withHung.load.p99, baseline: none.load.p99, ratio, target: 'ratio <= 1.10', met: ratio <= 1.1 });
    report.extra.streams = { entries: entries.length, none, withHung };
  } finally {
    await server.stop();
    for (const r of receivers) await r.close();
    for (const c of cleanups) await c();
    tmp.remove();
  }
}
