import { describe, expect, it } from 'vitest';
import type { StreamRow } from '../types.js';
import { commitWork, type GetContext } from './fixtures.js';

const row = (over: Partial<StreamRow> = {}): StreamRow => ({
  id: 'st-1',
  name: 'splunk-main',
  projectSlug: null,
  sinkKind: 'splunk',
  settings: { type: 'splunk', url: 'https://s.example.com', index: 'main' },
  sealedSecrets: Buffer.from([0, 1, 2, 255]),
  filter: { events: ['SecretRead'] },
  format: 'json',
  heartbeatSeconds: 60,
  state: 'active',
  cursor: 0,
  delivered: 0,
  lastSuccessAt: null,
  lastError: null,
  lastErrorAt: null,
  failingSince: null,
  createdAt: '2026-12-01T00:00:00.000Z',
  createdBy: 'admin@example.com',
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...over,
});

/** StreamPort / StreamsTx: audit stream rows, their changes, and the compare-and-set cursor. */
export function streamsConformance(ctx: GetContext): void {
  describe('streams', () => {
    it('a stream is stored and read back exactly (JSON documents, sealed bytes, null project)', async () => {
      const { store } = ctx();
      await commitWork(store, (tx) => tx.streams.insert(row()));
      await commitWork(store, (tx) => tx.streams.insert(row({ id: 'st-2', name: 'a-project-stream', projectSlug: 'shop', sealedSecrets: null, filter: {} })));
      expect(await store.streams.getByName('splunk-main')).toEqual(row());
      expect((await store.streams.list()).map((s) => s.name)).toEqual(['a-project-stream', 'splunk-main']);
      expect(await store.streams.getByName('absent')).toBeNull();
    });

    it('update changes only the given fields; delete removes; both say whether the stream existed', async () => {
      const { store } = ctx();
      await commitWork(store, (tx) => tx.streams.insert(row()));
      expect(await commitWork(store, (tx) => tx.streams.update('st-1', { state: 'failing', lastError: 'HEC answered 403', failingSince: '2026-12-01T01:00:00.000Z', settings: { type: 'splunk', url: 'https://t.example.com' } }))).toBe(true);
      expect(await store.streams.getByName('splunk-main')).toEqual(row({ state: 'failing', lastError: 'HEC answered 403', failingSince: '2026-12-01T01:00:00.000Z', settings: { type: 'splunk', url: 'https://t.example.com' } }));
      expect(await commitWork(store, (tx) => tx.streams.update('nope', { state: 'paused' }))).toBe(false);
      expect(await commitWork(store, (tx) => tx.streams.delete('st-1'))).toBe(true);
      expect(await commitWork(store, (tx) => tx.streams.delete('st-1'))).toBe(false);
      expect(await store.streams.getByName('splunk-main')).toBeNull();
    });

    it('advance moves the cursor only from the expected position (a replay in between wins) and adds to delivered', async () => {
      const { store } = ctx();
      await commitWork(store, (tx) => tx.streams.insert(row({ cursor: 10 })));
      expect(await commitWork(store, (tx) => tx.streams.advance('st-1', 10, 25, 7, '2026-12-01T02:00:00.000Z'))).toBe(true);
      expect(await store.streams.getByName('splunk-main')).toMatchObject({ cursor: 25, delivered: 7, lastSuccessAt: '2026-12-01T02:00:00.000Z' });
      expect(await commitWork(store, (tx) => tx.streams.setCursor('st-1', 3, '2026-12-01T03:00:00.000Z'))).toBe(true);
      expect(await commitWork(store, (tx) => tx.streams.advance('st-1', 25, 40, 5, null))).toBe(false);
      expect(await store.streams.getByName('splunk-main')).toMatchObject({ cursor: 3, delivered: 7, lastSuccessAt: '2026-12-01T02:00:00.000Z', updatedAt: '2026-12-01T03:00:00.000Z' });
      expect(await commitWork(store, (tx) => tx.streams.advance('st-1', 3, 2 ** 40, 1, null))).toBe(true);
      expect(await store.streams.getByName('splunk-main')).toMatchObject({ cursor: 2 ** 40, delivered: 8 });
    });

    it('the delivery lease goes to one owner at a time, is renewed by its owner, and is free once expired or released', async () => {
      const { store } = ctx();
      await commitWork(store, (tx) => tx.streams.insert(row()));
      const claim = (owner: string, now: number, until: number) => commitWork(store, (tx) => tx.streams.claim('st-1', owner, now, until));
      expect(await claim('node-a', 1000, 16_000)).toBe(true);
      expect(await claim('node-b', 2000, 17_000)).toBe(false);
      expect(await claim('node-a', 5000, 20_000)).toBe(true);
      expect(await claim('node-b', 19_999, 35_000)).toBe(false);
      expect(await claim('node-b', 20_001, 35_000)).toBe(true);
      await commitWork(store, (tx) => tx.streams.release('st-1', 'node-a'));
      expect(await claim('node-a', 21_000, 36_000)).toBe(false);
      await commitWork(store, (tx) => tx.streams.release('st-1', 'node-b'));
      expect(await claim('node-a', 21_000, 2 ** 42)).toBe(true);
      expect(await commitWork(store, (tx) => tx.streams.claim('absent', 'node-a', 0, 1))).toBe(false);
    });

    it('two streams cannot share a name', async () => {
      const { store } = ctx();
      await commitWork(store, (tx) => tx.streams.insert(row()));
      await expect(commitWork(store, (tx) => tx.streams.insert(row({ id: 'st-9' })))).rejects.toThrow();
      expect((await store.streams.list()).length).toBe(1);
    });
  });
}
