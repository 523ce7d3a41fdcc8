import { describe, expect, it } from 'vitest';
import { entryLeafHash } from '../../integrity/canonical.js';
import { edgeRoot, unpackFrontier } from '../../integrity/compact.js';
import { rootOf } from '../../integrity/merkle.js';
import type { Store } from '../ports.js';
import { auditDraft, commitWork, type GetContext } from './fixtures.js';

/** Every entry's leaf, recomputed from the stored entries (the verifier's view). */
async function recomputedLeaves(store: Store): Promise<Buffer[]> {
  return (await store.auditTree.leaves(0, 100_000)).map((e) => entryLeafHash({ ...e, personalHash: e.personalHash as string }));
}

/** AuditTreePort / AuditTreeTx / CheckpointsTx: the Merkle tree extended in the committing transaction. */
export function auditTreeConformance(ctx: GetContext): void {
  describe('audit tree', () => {
    it('grows with every committed entry, in seq order, its root that of the stored entries', async () => {
      const { store } = ctx();
      expect(await store.auditTree.state()).toMatchObject({ size: 0, firstSeq: 1 });
      await store.commitBatch([{ audit: [auditDraft({ id: 'a1' }), auditDraft({ id: 'a2' })], access: [] }]);
      await store.commitBatch([{ audit: [auditDraft({ id: 'a3', actor: { type: 'User', id: 'u', email: 'e@x', name: 'N', ip: '1.2.3.4' } })], access: [] }]);
      const state = await store.auditTree.state();
      expect(state.size).toBe(3);
      const leaves = await recomputedLeaves(store);
      expect(edgeRoot({ size: state.size, frontier: unpackFrontier(state.size, state.frontier) })).toEqual(rootOf(leaves));
      const stored = await store.auditTree.nodes([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]]);
      expect(stored.get('0/2')).toEqual(leaves[2]);
      expect(await store.auditTree.leafHashes(1, 5)).toEqual(leaves.slice(1, 3));
      expect(stored.has('1/1')).toBe(false);
      // The personal fields are committed through the salted hash, stored beside the entry.
      const e = await store.auditTree.entry('a3');
      expect((await store.auditTree.entryBySeq(3))?.id).toBe('a3');
      expect(await store.auditTree.entryBySeq(4)).toBeNull();
      expect(e?.personalSalt).toMatch(/^[0-9a-f]{32}$/);
      expect(e?.personalHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('a unit that rolls back leaves no leaf; concurrent batches keep the tree gap-free; receipts name the seqs', async () => {
      const { store } = ctx();
      const seen: number[][] = [];
      const outcomes = await store.commitBatch([
        { audit: [auditDraft({ id: 'b1' })], access: [], receipt: (s) => seen.push([...s]) },
        {
          work: async () => {
            throw new Error('rule broken');
          },
          audit: [auditDraft({ id: 'b2' })],
          access: [],
          receipt: (s) => seen.push([...s]),
        },
        { audit: [auditDraft({ id: 'b3' }), auditDraft({ id: 'b4' })], access: [], receipt: (s) => seen.push([...s]) },
      ]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
      expect(seen).toEqual([[1], [2, 3]]);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.commitBatch([{ audit: [auditDraft({ id: `c${i}` })], access: [] }])));
      const state = await store.auditTree.state();
      expect(state.size).toBe(23);
      expect(await store.auditLog.lastSeq()).toBe(23);
      expect(edgeRoot({ size: state.size, frontier: unpackFrontier(state.size, state.frontier) })).toEqual(rootOf(await recomputedLeaves(store)));
    });

    it('a large batch (its nodes stored in bulk: COPY on PostgreSQL) stores every node the stored entries give', async () => {
      const { store } = ctx();
      await store.commitBatch([{ audit: [auditDraft()], access: [] }]);
      await store.commitBatch(Array.from({ length: 300 }, () => ({ audit: [auditDraft()], access: [] })));
      const state = await store.auditTree.state();
      expect(state.size).toBe(301);
      const leaves = await recomputedLeaves(store);
      expect(await store.auditTree.leafHashes(0, 301)).toEqual(leaves);
      expect(edgeRoot({ size: state.size, frontier: unpackFrontier(state.size, state.frontier) })).toEqual(rootOf(leaves));
      // Complete inner nodes: level 8 node 0 covers leaves 0..255.
      expect((await store.auditTree.nodes([[8, 0]])).get('8/0')).toEqual(rootOf(leaves.slice(0, 256)));
    });

    it('stores a checkpoint once per size; the first stored wins', async () => {
      const { store } = ctx();
      const row = { size: 5, root: Buffer.alloc(32, 1), note: 'n\n', signedAt: '2026-03-15T10:20:30.123Z' };
      expect(await commitWork(store, (tx) => tx.checkpoints.insert(row))).toBe(true);
      expect(await commitWork(store, (tx) => tx.checkpoints.insert({ ...row, note: 'other\n' }))).toBe(false);
      expect((await store.auditTree.checkpoint(5))?.note).toBe('n\n');
      expect((await store.auditTree.latestCheckpoint())?.root).toEqual(Buffer.alloc(32, 1));
      expect(await store.auditTree.checkpointList(10)).toEqual([{ size: 5, signedAt: row.signedAt }]);
      expect(await store.auditTree.checkpoint(6)).toBeNull();
      expect(await commitWork(store, (tx) => tx.settings.insertIfAbsent('k', 'first'))).toBe(true);
      expect(await commitWork(store, (tx) => tx.settings.insertIfAbsent('k', 'second'))).toBe(false);
      expect(await store.settings.get('k')).toBe('first');
    });
  });
}
