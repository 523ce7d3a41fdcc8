import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import type { StreamView } from '../../src/contract/streams.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { until } from '../helpers/siem-receivers.js';

const NATS = 'nats://127.0.0.1:4222';
const JS_STREAM = `BELLA_TEST_${process.pid}`;
const SUBJECT = `bella-test-${process.pid}.audit`;

async function natsUp(): Promise<NatsConnection | null> {
  try {
    return await connect({ servers: NATS, timeout: 2000 });
  } catch {
    return null;
  }
}

/** The real nats-server with JetStream on this machine (CI starts none of its own: a missing one fails there). */
const nc = await natsUp();
if (!nc && process.env.CI === 'true') throw new Error(`nats-server with JetStream is not reachable at ${NATS}`);

describe.skipIf(!nc)('NATS JetStream sink against the real nats-server', () => {
  let t: TestServer;
  beforeAll(async () => {
    const jsm = await (nc as NatsConnection).jetstreamManager();
    await jsm.streams.delete(JS_STREAM).catch(() => undefined);
    await jsm.streams.add({ name: JS_STREAM, subjects: [SUBJECT], duplicate_window: 120 * 1_000_000_000 });
    t = await startTestServer({ env: { BELLA_STREAM_POLL_MS: '100', BELLA_STREAM_TIMEOUT_MS: '3000' } });
  });
  afterAll(async () => {
    await t?.close();
    const jsm = await nc?.jetstreamManager();
    await jsm?.streams.delete(JS_STREAM).catch(() => undefined);
    await nc?.close();
  });

  async function stored(): Promise<{ msgId: string | undefined; entry: AuditEntry }[]> {
    const jsm = await (nc as NatsConnection).jetstreamManager();
    const info = await jsm.streams.info(JS_STREAM);
    const out: { msgId: string | undefined; entry: AuditEntry }[] = [];
    for (let s = info.state.first_seq; s <= info.state.last_seq && info.state.messages > 0; s++) {
      const m = await jsm.streams.getMessage(JS_STREAM, { seq: s });
      out.push({ msgId: m.header?.get('Nats-Msg-Id'), entry: m.json<AuditEntry>() });
    }
    return out;
  }

  it('publishes every entry once, in seq order, with Nats-Msg-Id = seq; a replay is dropped by JetStream deduplication', async () => {
    const before = await t.server.store.auditLog.lastSeq();
    const res = await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'jetstream', sink: { type: 'nats', servers: NATS, subject: SUBJECT }, heartbeatSeconds: 0 } });
    expect(res.statusCode, res.body).toBe(201);
    expect((await t.req('POST', '/api/v1/projects', { token: t.adminToken, body: { slug: 'nats-p', name: 'N' } })).statusCode).toBe(201);
    for (let i = 0; i < 5; i++) await t.req('POST', '/api/v1/projects/nats-p/environments', { token: t.adminToken, body: { slug: `e${i}`, name: `E${i}` } });
    const through = await t.server.store.auditLog.lastSeq();
    await until('all published', async () => (await t.req('GET', '/api/v1/audit-streams/jetstream', { token: t.adminToken })).json<StreamView>().health.cursor >= through);
    const first = await stored();
    const expected: number[] = [];
    for await (const e of t.server.store.auditLog.range(before, through)) expected.push(e.seq);
    expect(first.map((m) => m.entry.seq)).toEqual(expected);
    expect(first.map((m) => m.msgId)).toEqual(expected.map(String));
    // Resend everything: JetStream drops the duplicates by message id.
    const replay = await t.req('POST', '/api/v1/audit-streams/jetstream/replay', { token: t.adminToken, body: { fromSeq: before + 1 } });
    expect(replay.statusCode, replay.body).toBe(200);
    const after = await t.server.store.auditLog.lastSeq();
    await until('replayed', async () => (await t.req('GET', '/api/v1/audit-streams/jetstream', { token: t.adminToken })).json<StreamView>().health.cursor >= after);
    const second = await stored();
    const all: number[] = [];
    for await (const e of t.server.store.auditLog.range(before, after)) all.push(e.seq);
    expect(second.map((m) => m.entry.seq)).toEqual(all);
    expect(new Set(second.map((m) => m.msgId)).size).toBe(second.length);
  });

  it('a subject no JetStream stream captures is a permanent answer: the stream is failing', async () => {
    const res = await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'jetstream-nowhere', sink: { type: 'nats', servers: NATS, subject: `nobody-${process.pid}.audit` } } });
    expect(res.statusCode).toBe(201);
    await until('failing', async () => (await t.req('GET', '/api/v1/audit-streams/jetstream-nowhere', { token: t.adminToken })).json<StreamView>().health.state === 'failing');
    const v = (await t.req('GET', '/api/v1/audit-streams/jetstream-nowhere', { token: t.adminToken })).json<StreamView>();
    expect(v.health.lastError).toMatch(/no stream captures this subject/);
  });
});
