import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import type { StreamView } from '../../src/contract/streams.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { startHecReceiver, until, type HecReceiver } from '../helpers/siem-receivers.js';

/** Fast loops so delivery, retries and timeouts show within a test; a failing stream waits for its fix. */
const ENV = { BELLA_STREAM_POLL_MS: '100', BELLA_STREAM_TIMEOUT_MS: '1000', BELLA_STREAM_MAX_BACKOFF_MS: '400', BELLA_STREAM_FAILING_RETRY_MS: '600000' };

const seqsOf = (hec: HecReceiver) => hec.events.map((e) => (e.event as AuditEntry).seq);

async function lastSeq(t: TestServer): Promise<number> {
  return t.server.store.auditLog.lastSeq();
}

/** Entries seq (from, through] as the log holds them. */
async function logSeqs(t: TestServer, from: number, through: number): Promise<number[]> {
  const out: number[] = [];
  for await (const e of t.server.store.auditLog.range(from, through)) out.push(e.seq);
  return out;
}

async function writes(t: TestServer, tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await t.req('PUT', `/api/v1/projects/streams-p/environments/prod/secrets/K_${tag}_${i}`, { token: t.adminToken, body: { value: `v-${i}` } });
    expect(r.statusCode, r.body).toBeLessThan(300);
  }
}

async function view(t: TestServer, name: string): Promise<StreamView> {
  const r = await t.req('GET', `/api/v1/audit-streams/${name}`, { token: t.adminToken });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as StreamView;
}

async function events(t: TestServer, event: string): Promise<AuditEntry[]> {
  return (await t.server.store.auditLog.query({ events: [event as never] }, 100)).reverse();
}

for (const kind of await testStores()) {
  describe(`audit streams over HTTP with a Splunk HEC receiver (${kind})`, () => {
    let t: TestServer;
    const receivers: { close(): Promise<void> }[] = [];
    const hec = async (opts?: Parameters<typeof startHecReceiver>[0]) => {
      const r = await startHecReceiver(opts);
      receivers.push(r);
      return r;
    };
    beforeAll(async () => {
      t = await startTestServer({ store: kind, env: ENV });
      expect((await t.req('POST', '/api/v1/projects', { token: t.adminToken, body: { slug: 'streams-p', name: 'Streams' } })).statusCode).toBe(201);
      expect((await t.req('POST', '/api/v1/projects/streams-p/environments', { token: t.adminToken, body: { slug: 'prod', name: 'Prod' } })).statusCode).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
      for (const r of receivers) await r.close();
    });

    it('a Splunk stream delivers every entry from its creation on, in seq order, in the HEC envelope; the token is never returned', async () => {
      const rx = await hec();
      const before = await lastSeq(t);
      const res = await t.req('POST', '/api/v1/audit-streams', {
        token: t.adminToken,
        body: { name: 'splunk-main', sink: { type: 'splunk', url: rx.url, token: rx.token, index: 'bella', sourcetype: 'bella:audit' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.body).not.toContain(rx.token);
      const v = res.json() as StreamView;
      expect(v.sink).toMatchObject({ type: 'splunk', url: rx.url, token: '***ENCRYPTED***', index: 'bella' });
      expect(v.format).toBe('json');
      await writes(t, 'a', 5);
      const through = await lastSeq(t);
      await until('every entry at the receiver', () => seqsOf(rx).includes(through));
      expect(seqsOf(rx)).toEqual(await logSeqs(t, before, through));
      const first = rx.events[0] as { time: number; host: string; source: string; sourcetype: string; index: string; event: AuditEntry };
      expect(first.event.event).toBe('AuditStreamCreated');
      expect(first).toMatchObject({ source: 'bella-baxter', sourcetype: 'bella:audit', index: 'bella' });
      expect(first.time).toBe(Date.parse(first.event.timestamp) / 1000);
      expect(typeof first.host).toBe('string');
      expect(JSON.stringify(rx.events)).not.toContain(rx.token);
      await until('caught up', async () => (await view(t, 'splunk-main')).health.lagEntries === 0);
      const h = (await view(t, 'splunk-main')).health;
      expect(h).toMatchObject({ state: 'active', lagEntries: 0, lagSeconds: 0, lastError: null, retrying: 0 });
      expect(h.delivered).toBe(seqsOf(rx).length);
      expect(h.lastSuccessAt).not.toBeNull();
      const created = (await events(t, 'AuditStreamCreated')).at(-1) as AuditEntry;
      expect(created).toMatchObject({ resource: 'splunk-main', outcome: 'Success', actor: { type: 'User' } });
      expect(JSON.stringify(created)).not.toContain(rx.token);
      const list = await t.req('GET', '/api/v1/audit-streams', { token: t.adminToken });
      expect(list.statusCode).toBe(200);
      expect((list.json() as { streams: StreamView[] }).streams.map((s) => s.name)).toContain('splunk-main');
      expect(list.body).not.toContain(rx.token);
    });

    it('a refused batch marks the stream failing (AuditStreamFailing, /readyz degraded, place kept); fixing the token catches up with nothing missing', async () => {
      const rx = await hec({ token: 'right-token-1234' });
      const before = await lastSeq(t);
      expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'splunk-broken', sink: { type: 'splunk', url: rx.url, token: 'wrong-token-1234' } } })).statusCode).toBe(201);
      await writes(t, 'b', 3);
      await until('failing', async () => (await view(t, 'splunk-broken')).health.state === 'failing');
      const v = await view(t, 'splunk-broken');
      expect(v.health.lastError).toMatch(/403 code 4 \(Invalid token\)/);
      expect(v.health.cursor).toBe(before);
      expect(v.health.lagEntries).toBeGreaterThan(3);
      expect(JSON.stringify(v)).not.toContain('wrong-token-1234');
      const failing = (await events(t, 'AuditStreamFailing')).find((e) => e.resource === 'splunk-broken') as AuditEntry;
      expect(failing).toMatchObject({ actor: { type: 'System' }, outcome: 'Success', details: { sink: 'splunk', cursor: before } });
      expect(String(failing.details.answer)).toContain('Invalid token');
      const ready = await t.req('GET', '/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'degraded' });
      expect((ready.json() as { degraded: string[] }).degraded.join('\n')).toMatch(/audit stream splunk-broken failing since .*Invalid token/);
      expect(rx.events).toHaveLength(0);
      // The fix: the right token. Nothing is lost, the stream recovers and says so.
      const fix = await t.req('PATCH', '/api/v1/audit-streams/splunk-broken', { token: t.adminToken, body: { sink: { token: 'right-token-1234' } } });
      expect(fix.statusCode, fix.body).toBe(200);
      await writes(t, 'c', 2);
      const through = await lastSeq(t);
      await until('caught up after the fix', () => seqsOf(rx).includes(through));
      expect([...new Set(seqsOf(rx))].filter((s) => s <= through)).toEqual(await logSeqs(t, before, through));
      await until('active again', async () => (await view(t, 'splunk-broken')).health.state === 'active');
      expect((await events(t, 'AuditStreamRecovered')).some((e) => e.resource === 'splunk-broken')).toBe(true);
      expect((await events(t, 'AuditStreamUpdated')).at(-1)).toMatchObject({ resource: 'splunk-broken', details: { changed: { sink: ['token'] } } });
      expect(JSON.stringify(await events(t, 'AuditStreamUpdated'))).not.toContain('right-token-1234');
    });

    it('busy (503 code 9) and 429 answers are retried, Retry-After honoured, and nothing is lost or reordered', async () => {
      const rx = await hec();
      rx.outage.push({ status: 503, body: { text: 'Server is busy', code: 9 } }, { status: 429, body: { text: 'Too many requests', code: 9 }, headers: { 'retry-after': '2' } });
      const before = await lastSeq(t);
      expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'splunk-busy', sink: { type: 'splunk', url: rx.url, token: rx.token } } })).statusCode).toBe(201);
      await writes(t, 'd', 3);
      const through = await lastSeq(t);
      await until('delivered after the outage', () => seqsOf(rx).includes(through));
      const statuses = rx.log.map((l) => l.status);
      expect(statuses.slice(0, 3)).toEqual([503, 429, 200]);
      const after429 = (rx.log[2]?.at ?? 0) - (rx.log[1]?.at ?? 0);
      expect(after429).toBeGreaterThanOrEqual(1900);
      expect([...new Set(seqsOf(rx))].filter((s) => s <= through)).toEqual(await logSeqs(t, before, through));
      expect(seqsOf(rx)[0]).toBe(before + 1);
      expect((await view(t, 'splunk-busy')).health.state).toBe('active');
    });

    it('with indexer acknowledgement, a batch whose ack never comes is resent; the cursor moves only on an ack', async () => {
      const rx = await hec({ ack: true });
      rx.loseAcks = 1;
      const before = await lastSeq(t);
      const res = await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'splunk-ack', sink: { type: 'splunk', url: rx.url, token: rx.token, ack: true, ackTimeoutSeconds: 1 } } });
      expect(res.statusCode, res.body).toBe(201);
      await writes(t, 'e', 2);
      const through = await lastSeq(t);
      await until('acknowledged through the last entry', async () => (await view(t, 'splunk-ack')).health.cursor >= through);
      expect(rx.ackPolls).toBeGreaterThan(0);
      expect(rx.channels.size).toBe(1);
      const seqs = seqsOf(rx);
      // The first batch went twice (its ack was lost); every entry arrived, first arrivals in order.
      expect(seqs.filter((s) => s === before + 1).length).toBe(2);
      expect([...new Set(seqs)].filter((s) => s <= through)).toEqual(await logSeqs(t, before, through));
    });

    it('a sink that never answers times out without holding back another stream or requests', async () => {
      const hung = await hec();
      hung.hang = true;
      const fine = await hec();
      const before = await lastSeq(t);
      expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'splunk-hung', sink: { type: 'splunk', url: hung.url, token: hung.token } } })).statusCode).toBe(201);
      expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'splunk-fine', sink: { type: 'splunk', url: fine.url, token: fine.token } } })).statusCode).toBe(201);
      const started = Date.now();
      await writes(t, 'f', 5);
      const through = await lastSeq(t);
      expect(Date.now() - started).toBeLessThan(3000);
      await until('the other stream delivered', () => seqsOf(fine).includes(through), 5000);
      await until('the hung stream reports its timeout', async () => (await view(t, 'splunk-hung')).health.retrying >= 1);
      const h = (await view(t, 'splunk-hung')).health;
      expect(h.lastError).toMatch(/no answer/);
      expect(h.cursor).toBe(before);
      expect(h.state).toBe('active');
      expect(hung.requests).toBeGreaterThanOrEqual(1);
    });

    it('pause holds delivery, resume goes on from the cursor, replay resends from a seq, remove stops it; each is audited', async () => {
      const rx = await hec();
      expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'splunk-ops', sink: { type: 'splunk', url: rx.url, token: rx.token }, format: 'ocsf' } })).statusCode).toBe(201);
      await until('first delivery', () => rx.events.length > 0);
      const p = await t.req('POST', '/api/v1/audit-streams/splunk-ops/pause', { token: t.adminToken });
      expect(p.statusCode, p.body).toBe(200);
      expect((p.json() as StreamView).health.state).toBe('paused');
      const count = rx.events.length;
      await writes(t, 'g', 2);
      await new Promise((r) => setTimeout(r, 600));
      expect(rx.events.length).toBe(count);
      const resumed = await t.req('POST', '/api/v1/audit-streams/splunk-ops/resume', { token: t.adminToken });
      expect((resumed.json() as StreamView).health.state).toBe('active');
      const through = await lastSeq(t);
      const seqOf = (e: unknown) => ((e as { event: { metadata: { sequence: number } } }).event.metadata.sequence);
      await until('resumed delivery', () => rx.events.some((e) => seqOf(e) === through));
      const first = seqOf(rx.events[0]);
      const replay = await t.req('POST', '/api/v1/audit-streams/splunk-ops/replay', { token: t.adminToken, body: { fromSeq: first } });
      expect(replay.statusCode, replay.body).toBe(200);
      expect(replay.json()).toMatchObject({ replayFromSeq: first });
      await until('replayed', () => rx.events.filter((e) => seqOf(e) === first).length === 2);
      // --since: from the first entry at or after that time (found by seq, as retention holds it).
      const pick = (await t.server.store.auditLog.readAfter(first + 2, 1))[0] as AuditEntry;
      let expectedFrom = 0;
      for await (const e of t.server.store.auditLog.range(0)) if (expectedFrom === 0 && Date.parse(e.timestamp) >= Date.parse(pick.timestamp)) expectedFrom = e.seq;
      const since = await t.req('POST', '/api/v1/audit-streams/splunk-ops/replay', { token: t.adminToken, body: { since: pick.timestamp } });
      expect(since.statusCode, since.body).toBe(200);
      expect(since.json()).toMatchObject({ replayFromSeq: expectedFrom });
      const del = await t.req('DELETE', '/api/v1/audit-streams/splunk-ops', { token: t.adminToken });
      expect(del.statusCode).toBe(204);
      expect((await t.req('GET', '/api/v1/audit-streams/splunk-ops', { token: t.adminToken })).statusCode).toBe(404);
      for (const ev of ['AuditStreamPaused', 'AuditStreamResumed', 'AuditStreamReplayed', 'AuditStreamRemoved']) {
        expect((await events(t, ev)).some((e) => e.resource === 'splunk-ops' && e.outcome === 'Success'), ev).toBe(true);
      }
      expect((await events(t, 'AuditStreamReplayed')).filter((e) => e.resource === 'splunk-ops').map((e) => e.details.fromSeq)).toEqual([first, expectedFrom]);
      const ocsf = rx.events[0]?.event as Record<string, unknown>;
      expect(ocsf).toMatchObject({ class_uid: 6003, category_uid: 6, metadata: { product: { name: 'Bella Baxter' } } });
    });

    it("test sends one heartbeat through the sink and reports its answer; an idle stream sends heartbeats with the last seq", async () => {
      const rx = await hec();
      expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'splunk-hb', sink: { type: 'splunk', url: rx.url, token: rx.token }, heartbeatSeconds: 5 } })).statusCode).toBe(201);
      const ok = await t.req('POST', '/api/v1/audit-streams/splunk-hb/test', { token: t.adminToken });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ ok: true, error: null });
      expect(rx.events.some((e) => (e.event as { type?: string }).type === 'heartbeat')).toBe(true);
      await until('caught up', async () => (await view(t, 'splunk-hb')).health.lagEntries === 0);
      const cursor = (await view(t, 'splunk-hb')).health.cursor;
      const tested = rx.events.length;
      await until('an idle heartbeat', () => rx.events.slice(tested).some((e) => (e.event as { type?: string }).type === 'heartbeat'), 9000);
      const hb = rx.events.slice(tested).find((e) => (e.event as { type?: string }).type === 'heartbeat')?.event as Record<string, unknown>;
      expect(hb).toMatchObject({ type: 'heartbeat', stream: 'splunk-hb', lastSeq: cursor });
      await until('the heartbeat in the health', async () => (await view(t, 'splunk-hb')).health.lastHeartbeatAt !== null, 3000);
      rx.token = 'rotated-on-the-splunk-side';
      const refused = await t.req('POST', '/api/v1/audit-streams/splunk-hb/test', { token: t.adminToken });
      expect(refused.json()).toMatchObject({ ok: false, error: expect.stringMatching(/403 code 4/) });
      expect((await t.req('DELETE', '/api/v1/audit-streams/splunk-hb', { token: t.adminToken })).statusCode).toBe(204);
    }, 20_000);

    it('refuses bad input with the error envelope, and who may manage which stream', async () => {
      const post = (body: unknown, token = t.adminToken) => t.req('POST', '/api/v1/audit-streams', { token, body });
      const cases: [unknown, RegExp][] = [
        [{ name: 'x1', sink: { type: 'kafka' } }, /sink\.type: must be one of splunk, datadog/],
        [{ name: 'x2', sink: { type: 'splunk', url: 'http://splunk.example.com:8088', token: 't' } }, /sink\.url: must be an https:\/\/ URL/],
        [{ name: 'x3', sink: { type: 'splunk', url: 'https://splunk.example.com', token: '' } }, /sink\.token: token must not be empty/],
        [{ name: 'x4', sink: { type: 'splunk', url: 'https://s.example.com', token: 'abc', colour: 'red' } }, /unknown field\(s\) colour/],
        [{ name: 'Bad Name', sink: { type: 'webhook', url: 'https://h.example.com', secret: '0123456789abcdef' } }, /name/],
        [{ name: 'x5', sink: { type: 'webhook', url: 'https://h.example.com', secret: 'short' } }, /sink\.secret: secret must be at least 16/],
        [{ name: 'x6', sink: { type: 'syslog', host: 'localhost', port: 70000 } }, /sink\.port/],
        [{ name: 'x7', sink: { type: 'nats', servers: 'nats://127.0.0.1:4222', subject: 'bella.>' } }, /sink\.subject/],
        [{ name: 'x8', sink: { type: 'splunk', url: 'https://s.example.com', token: 'abc' }, format: 'xml' }, /format/],
        [{ name: 'x9', sink: { type: 'splunk', url: 'https://s.example.com', token: 'abc' }, filter: { events: ['Nope'] } }, /filter\.events/],
        [{ name: 'x10', sink: { type: 'splunk', url: 'https://s.example.com', token: 'abc' }, heartbeatSeconds: 2 }, /heartbeatSeconds/],
      ];
      for (const [body, msg] of cases) {
        const r = await post(body);
        expect(r.statusCode, r.body).toBe(400);
        expect(r.json()).toMatchObject({ error: { code: 'validation_failed' } });
        expect(r.json().error.message).toMatch(msg);
        expect(r.body).not.toContain('"abc"');
      }
      const dup = await post({ name: 'splunk-main', sink: { type: 'splunk', url: 'https://s.example.com', token: 'abc' } });
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toMatchObject({ error: { code: 'conflict' } });
      expect((await t.req('POST', '/api/v1/audit-streams/splunk-main/replay', { token: t.adminToken, body: {} })).statusCode).toBe(400);
      expect((await t.req('POST', '/api/v1/audit-streams/splunk-main/replay', { token: t.adminToken, body: { since: 'yesterday' } })).json().error.message).toMatch(/since: must be/);
      expect((await t.req('PATCH', '/api/v1/audit-streams/splunk-main', { token: t.adminToken, body: { sink: { type: 'datadog' } } })).json().error.message).toMatch(/cannot change/);
      expect((await t.req('GET', '/api/v1/audit-streams/nope', { token: t.adminToken })).statusCode).toBe(404);
      const badName = await t.req('GET', '/api/v1/audit-streams/Not%20A%20Slug', { token: t.adminToken });
      expect(badName.statusCode).toBe(400);
      expect(badName.json()).toMatchObject({ error: { code: 'validation_failed' } });
      expect((await t.req('PATCH', '/api/v1/audit-streams/splunk-main', { token: t.adminToken, body: {} })).json().error.message).toMatch(/send sink, filter, format or heartbeatSeconds/);
      expect((await t.req('PATCH', '/api/v1/audit-streams/splunk-main', { token: t.adminToken, body: { colour: 'red' } })).statusCode).toBe(400);
      expect((await t.req('PATCH', '/api/v1/audit-streams/splunk-main', { token: t.adminToken, body: { sink: { url: 'ftp://x' } } })).json().error.message).toMatch(/sink\.url/);
      const far = await t.req('POST', '/api/v1/audit-streams/splunk-main/replay', { token: t.adminToken, body: { fromSeq: 10_000_000 } });
      expect(far.statusCode).toBe(400);
      expect(far.json().error.message).toMatch(/the log ends at seq \d+/);
      expect((await t.req('POST', '/api/v1/audit-streams/splunk-main/replay', { token: t.adminToken, body: { fromSeq: -1 } })).statusCode).toBe(400);
      expect((await t.req('POST', '/api/v1/audit-streams/nope/test', { token: t.adminToken })).statusCode).toBe(404);
      expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, raw: '{"name": "x"' })).json()).toMatchObject({ error: { code: 'invalid_json' } });
      expect((await t.req('GET', '/api/v1/audit-streams')).statusCode).toBe(401);
      const noProject = await post({ name: 'x11', project: 'no-such-project', sink: { type: 'splunk', url: 'https://s.example.com', token: 'abc' } });
      expect(noProject.statusCode).toBe(404);
      expect(noProject.json().error.message).toMatch(/project no-such-project not found/);

      // A project OWNER manages the project's streams; a MEMBER and anyone for an instance stream are refused, and the refusal is audited.
      const owner = await t.user(`owner-${kind}@example.com`);
      const member = await t.user(`member-${kind}@example.com`);
      expect((await t.req('PUT', `/api/v1/projects/streams-p/members/owner-${kind}@example.com`, { token: t.adminToken, body: { role: 'OWNER' } })).statusCode).toBeLessThan(300);
      expect((await t.req('PUT', `/api/v1/projects/streams-p/members/member-${kind}@example.com`, { token: t.adminToken, body: { role: 'MEMBER' } })).statusCode).toBeLessThan(300);
      const sink = { type: 'webhook', url: 'https://hooks.example.com/bella', secret: '0123456789abcdef0123' };
      const inst = await post({ name: 'owner-instance', sink }, owner);
      expect(inst.statusCode).toBe(403);
      expect(inst.json()).toMatchObject({ error: { code: 'forbidden' } });
      const mine = await post({ name: 'owner-project', project: 'streams-p', sink }, owner);
      expect(mine.statusCode, mine.body).toBe(201);
      const refused = await post({ name: 'member-project', project: 'streams-p', sink }, member);
      expect(refused.statusCode).toBe(403);
      const denied = (await events(t, 'AuditStreamCreated')).filter((e) => e.outcome === 'Denied');
      expect(denied.map((e) => e.reason)).toEqual(expect.arrayContaining(['admin_required', 'stream_owner_required']));
      const ownerList = (await t.req('GET', '/api/v1/audit-streams', { token: owner })).json() as { streams: StreamView[] };
      expect(ownerList.streams.map((s) => s.name)).toEqual(['owner-project']);
      expect((await t.req('GET', '/api/v1/audit-streams', { token: member })).json()).toEqual({ streams: [] });
      expect((await t.req('DELETE', '/api/v1/audit-streams/splunk-main', { token: owner })).statusCode).toBe(403);
      const key = await t.req('POST', '/api/v1/projects/streams-p/environments/prod/api-keys', { token: t.adminToken, body: { name: 'auditor', role: 'AUDITOR' } });
      const apiKey = (key.json() as { key: string }).key;
      const byKey = await t.req('GET', '/api/v1/audit-streams', { token: apiKey });
      expect(byKey.statusCode).toBe(403);
      expect(byKey.json()).toMatchObject({ error: { code: 'forbidden' } });
      expect((await t.req('DELETE', '/api/v1/audit-streams/owner-project', { token: owner })).statusCode).toBe(204);
    });
  });
}
