import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { KeyRing, loadOrCreateMasterKey } from '../../src/secrets/envelope.js';
import { DELIVERY_DEFAULTS } from '../../src/streams/delivery.js';
import { createDeliveryWorker, type DeliveryWorker } from '../../src/streams/delivery-worker.js';
import { createStreamRuntime } from '../../src/streams/runtime.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { startHecReceiver, until, type HecReceiver } from '../helpers/siem-receivers.js';

/**
 * Several nodes on one store (PostgreSQL in production): each runs the streams worker, and the
 * delivery lease lets one of them deliver a stream at a time, so entries are not sent once per node.
 */
for (const kind of await testStores()) {
  describe(`one node delivers a stream at a time (${kind})`, () => {
    let t: TestServer;
    let hec: HecReceiver;
    let other: DeliveryWorker;
    beforeAll(async () => {
      t = await startTestServer({ store: kind, env: { BELLA_STREAM_POLL_MS: '100' } });
      hec = await startHecReceiver();
      // Slow answers: without the lease both nodes would read the same cursor while a send is in flight and both send.
      hec.delayMs = 300;
      // A second node's worker over the same store and master key.
      other = createDeliveryWorker({
        store: t.server.store, uow: t.server.uow, keyring: new KeyRing(loadOrCreateMasterKey(t.dataDir).key), clock: () => new Date(),
        runtime: createStreamRuntime(), sinkDeps: { hostname: 'node-2', fetch: globalThis.fetch }, config: { ...DELIVERY_DEFAULTS, pollMs: 100 },
        onError: () => undefined, nodeId: 'node-2',
      });
      await other.start();
    });
    afterAll(async () => {
      await other?.stop();
      await t?.close();
      await hec?.close();
    });

    const seqs = () => hec.events.map((e) => (e.event as AuditEntry).seq);
    const write = async (n: number, tag: string) => {
      for (let i = 0; i < n; i++) expect((await t.req('POST', '/api/v1/projects', { token: t.adminToken, body: { slug: `${tag}-${i}`, name: 'L' } })).statusCode).toBe(201);
    };

    it('two nodes running the worker deliver each entry once; when the holder stops, the other takes over', async () => {
      const before = await t.server.store.auditLog.lastSeq();
      expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'leased', sink: { type: 'splunk', url: hec.url, token: hec.token }, heartbeatSeconds: 0 } })).statusCode).toBe(201);
      await until('both nodes run the stream', () => 'leased' in other.streams() && 'leased' in (t.server.deps.streams?.() ?? {}));
      for (let wave = 0; wave < 4; wave++) {
        await write(3, `lease-a${wave}`);
        await new Promise((r) => setTimeout(r, 150));
      }
      let through = await t.server.store.auditLog.lastSeq();
      await until('delivered', () => seqs().includes(through));
      await new Promise((r) => setTimeout(r, 500));
      expect(seqs()).toEqual(Array.from({ length: through - before }, (_, i) => before + 1 + i));
      // The first node stops its workers (a stop releases its lease): the second takes over at once, still once each.
      await t.server.supervisor.stop();
      const handedOver = hec.events.length;
      await write(5, 'lease-b');
      through = await t.server.store.auditLog.lastSeq();
      await until('delivered by the other node', () => seqs().includes(through), 5000);
      expect(seqs()).toEqual(Array.from({ length: through - before }, (_, i) => before + 1 + i));
      expect(hec.events.slice(handedOver).every((e) => e.host === 'node-2')).toBe(true);
    });
  });
}
