import { describe, expect, it } from 'vitest';
import { T0, commitWork, user, type GetContext } from './fixtures.js';

/** UserPort / UsersTx: users (emails stored lower-cased) and their sessions. */
export function usersConformance(ctx: GetContext): void {
  describe('users', () => {
    it('users and sessions are written in a unit and read back', async () => {
      const { store } = ctx();
      const u = { ...user('Bob@X.io'), email: 'bob@x.io', admin: true };
      await store.commitBatch([
        {
          work: async (tx) => {
            await tx.users.insert(u);
            await tx.users.insertSession({ tokenHash: 'th', userId: u.id, createdAt: T0, expiresAt: '2026-03-16T10:20:30.123Z', revokedAt: null });
          },
          audit: [],
          access: [],
        },
      ]);
      expect(await store.users.getByEmail('BOB@x.io')).toEqual(u);
      expect(await store.users.getById(u.id)).toEqual(u);
      expect(await store.users.getById('nope')).toBeNull();
      expect(await store.users.count()).toBe(1);
      expect((await store.users.getSession('th'))?.revokedAt).toBeNull();
      expect(await store.users.getSession('absent')).toBeNull();
      await store.commitBatch([{ work: (tx) => tx.users.revokeSession('th', '2026-03-15T11:00:00.000Z'), audit: [], access: [] }]);
      expect(await store.users.getSession('th')).toEqual({
        tokenHash: 'th', userId: u.id, createdAt: T0, expiresAt: '2026-03-16T10:20:30.123Z', revokedAt: '2026-03-15T11:00:00.000Z',
      });
    });

    it('emails are stored lower-cased: lookups by any case find the user, list is ordered by email, count counts', async () => {
      const { store } = ctx();
      expect(await store.users.count()).toBe(0);
      expect(await store.users.list()).toEqual([]);
      const [b, a, c] = [user('b@x.io'), user('A-B@X.io'), user('ab@x.io')];
      await commitWork(store, async (tx) => {
        for (const x of [b, a, c]) await tx.users.insert(x);
      });
      expect((await store.users.list()).map((x) => x.email)).toEqual(['a-b@x.io', 'ab@x.io', 'b@x.io']);
      expect(await store.users.count()).toBe(3);
      expect((await store.users.getByEmail('a-b@x.IO'))?.id).toBe(a.id);
      expect(await store.users.getByEmail('nobody@x.io')).toBeNull();
      expect(await commitWork(store, async (tx) => (await tx.users.getByEmail('AB@x.io'))?.id)).toBe(c.id);
      expect(await commitWork(store, (tx) => tx.users.getByEmail('nobody@x.io'))).toBeNull();
    });
  });
}
