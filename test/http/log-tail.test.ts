import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEntry, AuditEntry } from '../../src/contract/entries.js';
import { readSse, type SseEvent } from '../../src/contract/sse.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { seedProject } from './helpers.js';

/** Reads events from a live tail until `until` says stop (or the stream ends). */
async function collect(url: string, token: string, headers: Record<string, string>, until: (events: SseEvent[]) => boolean): Promise<{ events: SseEvent[]; ended: boolean; status: number; type: string | null }> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: ac.signal });
  const events: SseEvent[] = [];
  let ended = true;
  if (res.ok && res.body) {
    try {
      for await (const e of readSse(res.body as unknown as AsyncIterable<Uint8Array>)) {
        events.push(e);
        if (until(events)) {
          ended = false;
          ac.abort();
          break;
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
      ended = false;
    }
  }
  return { events, ended, status: res.status, type: res.headers.get('content-type') };
}

const entries = <T>(events: SseEvent[]): T[] => events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as T);

for (const kind of await testStores()) {
  describe(`live tail GET …/stream (${kind})`, () => {
    let t: TestServer;
    let base: string;
    let alice: string;
    const put = (key: string, env = 'production') => t.req('PUT', `/api/v1/projects/web/environments/${env}/secrets/${key}`, { token: alice, body: { value: 'v' } });

    beforeAll(async () => {
      t = await startTestServer({ store: kind, env: { BELLA_IDLE_TIMEOUT_MS: '600' } });
      alice = await t.user('alice@example.com', 'Alice');
      await seedProject(t, alice, 'web', ['production', 'staging']);
      await t.server.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.server.app.server.address() as AddressInfo).port}`;
    });
    afterAll(async () => t.close());

    it('sends new matching entries oldest first with id = seq, and resumes after Last-Event-ID without loss or repeat', async () => {
      const url = `${base}/api/v1/audit-logs/stream?project=web&q=${encodeURIComponent('event:SecretCreated environment:production')}`;
      const start = (await t.req('GET', '/api/v1/audit-logs?limit=1', { token: alice })).json().entries[0].seq as number;
      for (const k of ['A1', 'A2', 'A3']) {
        await put(k);
        await put(`${k}_STAGING`, 'staging');
      }
      const first = await collect(`${url}&after=${start}`, alice, {}, (ev) => entries(ev).length >= 2);
      expect(first.status).toBe(200);
      expect(first.type).toBe('text/event-stream; charset=utf-8');
      const got = entries<AuditEntry>(first.events);
      expect(got.map((e) => e.resource)).toEqual(['A1', 'A2']);
      const last = first.events.filter((e) => e.event === 'message').at(-1) as SseEvent;
      expect(last.id).toBe(String(got[1]?.seq));
      // Resume: the third entry (committed meanwhile) comes next, the first two do not come again.
      await put('A4');
      const second = await collect(url, alice, { 'last-event-id': last.id as string }, (ev) => entries(ev).length >= 2);
      expect(entries<AuditEntry>(second.events).map((e) => e.resource)).toEqual(['A3', 'A4']);
      // ?after= does the same
      const third = await collect(`${url}&after=${got[0]?.seq}`, alice, {}, (ev) => entries(ev).length >= 1);
      expect(entries<AuditEntry>(third.events).map((e) => e.resource)).toEqual(['A2']);
    });

    it('keeps a quiet stream alive with heartbeat comments', async () => {
      const r = await collect(`${base}/api/v1/access-logs/stream?q=${encodeURIComponent('path:/nothing-matches')}`, alice, {}, (ev) => ev.filter((e) => e.event === 'comment' && e.data === 'heartbeat').length >= 2);
      expect(r.ended).toBe(false);
    });

    it('tails the Access Log with its filters', async () => {
      // Without after=, the tail starts at the newest entry: only what commits later comes.
      const writer = (async () => {
        for (let i = 0; i < 40; i++) {
          await new Promise((r) => setTimeout(r, 100));
          await t.req('GET', '/api/v1/projects/web', { token: alice });
        }
      })();
      const r = await collect(`${base}/api/v1/access-logs/stream?path=/api/v1/projects/web`, alice, {}, (ev) => entries(ev).length >= 1);
      await writer;
      expect(entries<AccessEntry>(r.events)[0]).toMatchObject({ method: 'GET', path: '/api/v1/projects/web' });
    });

    it('refuses a malformed Last-Event-ID and a caller without log rights', async () => {
      const bad = await fetch(`${base}/api/v1/audit-logs/stream`, { headers: { authorization: `Bearer ${alice}`, 'last-event-id': 'x' } });
      expect(bad.status).toBe(400);
      const bob = await t.user('bob@example.com', 'Bob');
      const refused = await fetch(`${base}/api/v1/audit-logs/stream`, { headers: { authorization: `Bearer ${bob}` } });
      expect(refused.status).toBe(403);
    });
  });
}

describe('live tail and shutdown', () => {
  it('ends the stream cleanly when the server closes', async () => {
    const t = await startTestServer();
    await t.server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.server.app.server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/audit-logs/stream`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    const reading = (async () => {
      const ev: SseEvent[] = [];
      for await (const e of readSse(res.body as unknown as AsyncIterable<Uint8Array>)) ev.push(e);
      return ev;
    })();
    await new Promise((r) => setTimeout(r, 200));
    await t.close();
    const ev = await reading;
    expect(ev.at(-1)).toMatchObject({ event: 'comment', data: expect.stringContaining('shutting down') });
  });
});
