import { describe, expect, it } from 'vitest';
import { commitWork, type GetContext } from './fixtures.js';

const NOW = Date.parse('2031-06-01T12:00:00.000Z');
const H = (n: number) => n.toString(16).padStart(64, '0');

/** SignatureUsePort / SignatureUsesTx: each (key, signature) is claimed once; expired uses are pruned. */
export function signatureUsesConformance(ctx: GetContext): void {
  describe('signature uses', () => {
    it('the first claim of a signature succeeds, every later one fails; another key is another signature', async () => {
      const { store } = ctx();
      expect(await commitWork(store, (tx) => tx.signatureUses.claim('k1', H(1), NOW + 360_000))).toBe(true);
      expect(await commitWork(store, (tx) => tx.signatureUses.claim('k1', H(1), NOW + 999_000))).toBe(false);
      expect(await commitWork(store, (tx) => tx.signatureUses.claim('k2', H(1), NOW + 360_000))).toBe(true);
      // Inside one transaction too.
      expect(await commitWork(store, async (tx) => [await tx.signatureUses.claim('k1', H(2), NOW), await tx.signatureUses.claim('k1', H(2), NOW)])).toEqual([true, false]);
      expect(await store.signatureUses.count()).toBe(3);
    });

    it('a claim in a unit that fails is not kept', async () => {
      const { store } = ctx();
      const [out] = await store.commitBatch([
        {
          work: async (tx) => {
            await tx.signatureUses.claim('k1', H(9), NOW);
            throw new Error('rolled back');
          },
          audit: [],
          access: [],
        },
      ]);
      expect(out?.ok).toBe(false);
      expect(await commitWork(store, (tx) => tx.signatureUses.claim('k1', H(9), NOW))).toBe(true);
    });

    it('concurrent claims of one signature through two nodes on one database: exactly one succeeds', async () => {
      const { store, fx } = ctx();
      // PostgreSQL: a second node on the same database. SQLite serves one process per file (its
      // writer is synchronous), so there the concurrent units share the one store.
      const other = store.kind === 'postgres' ? fx.open() : store;
      if (other !== store) await other.migrate();
      try {
        const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => commitWork(i % 2 ? store : other, (tx) => tx.signatureUses.claim('k1', H(7), NOW))));
        expect(claims.filter(Boolean)).toHaveLength(1);
      } finally {
        if (other !== store) await other.close();
      }
    });

    it('prune removes at most `limit` expired uses, oldest first, and never one still valid', async () => {
      const { store } = ctx();
      await commitWork(store, async (tx) => {
        for (let i = 0; i < 5; i++) await tx.signatureUses.claim('k1', H(100 + i), NOW - 1000 + i);
        await tx.signatureUses.claim('k1', H(200), NOW + 1);
      });
      expect(await commitWork(store, (tx) => tx.signatureUses.prune(NOW, 2))).toBe(2);
      expect(await store.signatureUses.count()).toBe(4);
      expect(await commitWork(store, (tx) => tx.signatureUses.prune(NOW, 100))).toBe(3);
      expect(await store.signatureUses.count()).toBe(1);
      // The oldest were removed first, and the valid one is still refused a second time.
      expect(await commitWork(store, (tx) => tx.signatureUses.claim('k1', H(200), NOW + 1))).toBe(false);
    });
  });
}
