import { describe, expect, it } from 'vitest';
import type { LoginAttemptRow } from '../ports.js';
import { commitWork, type GetContext } from './fixtures.js';

/** Epoch ms beyond 32 bits, as every real timestamp is: BIGINT on PostgreSQL, INTEGER on SQLite. */
const NOW = Date.parse('2031-06-01T12:00:00.000Z');

/** LoginAttemptPort / LoginAttemptsTx: failed-login counters, read-for-write and pruned. */
export function loginAttemptsConformance(ctx: GetContext): void {
  describe('login attempts', () => {
    it('lock creates missing rows empty, returns them in the order asked, and keeps what save wrote', async () => {
      const { store } = ctx();
      const rows = await commitWork(store, (tx) => tx.loginAttempts.lock(['b', 'a'], NOW));
      expect(rows).toEqual([
        { key: 'b', attempts: 0, lastAt: NOW, lockedUntil: 0 },
        { key: 'a', attempts: 0, lastAt: NOW, lockedUntil: 0 },
      ]);
      const saved: LoginAttemptRow = { key: 'a', attempts: 7, lastAt: NOW + 5, lockedUntil: NOW + 900_000 };
      await commitWork(store, (tx) => tx.loginAttempts.save(saved));
      expect(await store.loginAttempts.get('a')).toEqual(saved);
      // An existing row is returned as it is, not reset.
      expect(await commitWork(store, (tx) => tx.loginAttempts.lock(['a'], NOW + 10))).toEqual([saved]);
      expect(await store.loginAttempts.get('missing')).toBeNull();
      expect(await store.loginAttempts.count()).toBe(2);
      await commitWork(store, (tx) => tx.loginAttempts.delete('a'));
      expect(await store.loginAttempts.get('a')).toBeNull();
    });

    it('a unit that fails leaves the counters as they were', async () => {
      const { store } = ctx();
      const [out] = await store.commitBatch([
        {
          work: async (tx) => {
            const [r] = (await tx.loginAttempts.lock(['k'], NOW)) as [LoginAttemptRow];
            await tx.loginAttempts.save({ ...r, attempts: 3 });
            throw new Error('rolled back');
          },
          audit: [],
          access: [],
        },
      ]);
      expect(out?.ok).toBe(false);
      expect(await store.loginAttempts.get('k')).toBeNull();
    });

    it('prune removes at most `limit` rows with neither an attempt nor a lock after the cut-off', async () => {
      const { store } = ctx();
      await commitWork(store, async (tx) => {
        for (let i = 0; i < 5; i++) {
          await tx.loginAttempts.lock([`old-${i}`], NOW - 3_600_000);
          await tx.loginAttempts.save({ key: `old-${i}`, attempts: 5, lastAt: NOW - 3_600_000 + i, lockedUntil: 0 });
        }
        await tx.loginAttempts.lock(['locked'], NOW - 3_600_000);
        await tx.loginAttempts.save({ key: 'locked', attempts: 30, lastAt: NOW - 3_600_000, lockedUntil: NOW + 60_000 });
        await tx.loginAttempts.lock(['fresh'], NOW);
      });
      expect(await commitWork(store, (tx) => tx.loginAttempts.prune(NOW - 900_000, 3))).toBe(3);
      // The oldest go first.
      expect(await store.loginAttempts.get('old-0')).toBeNull();
      expect(await store.loginAttempts.get('old-3')).not.toBeNull();
      expect(await commitWork(store, (tx) => tx.loginAttempts.prune(NOW - 900_000, 100))).toBe(2);
      expect(await store.loginAttempts.count()).toBe(2);
      expect(await store.loginAttempts.get('locked')).not.toBeNull();
      expect(await store.loginAttempts.get('fresh')).not.toBeNull();
    });

    it('two nodes on one database counting the same key concurrently lose no attempt (read-for-write is locked)', async () => {
      const { store, fx } = ctx();
      // PostgreSQL: a second node on the same database. SQLite serves one process per file (its
      // writer is synchronous), so there the concurrent units share the one store.
      const other = store.kind === 'postgres' ? fx.open() : store;
      if (other !== store) await other.migrate();
      try {
        const bump = (s: typeof store) =>
          commitWork(s, async (tx) => {
            const [r] = (await tx.loginAttempts.lock(['shared'], NOW)) as [LoginAttemptRow];
            await tx.loginAttempts.save({ ...r, attempts: r.attempts + 1 });
          });
        await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? store : other)));
        expect((await store.loginAttempts.get('shared'))?.attempts).toBe(40);
      } finally {
        if (other !== store) await other.close();
      }
    });
  });
}
