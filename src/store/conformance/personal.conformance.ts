import { describe, expect, it } from 'vitest';
import { accessDraft, auditDraft, commitWork, user, type GetContext } from './fixtures.js';

/** PersonalTx: GDPR erasure replaces one person's personal fields in both logs, keeping every leaf. */
export function personalConformance(ctx: GetContext): void {
  describe('personal-field erasure', () => {
    it("erases the person's email, name, IP and salts (by email or user id), pseudonymises the account, and leaves everyone else and every leaf hash alone", async () => {
      const { store } = ctx();
      const u = { ...user('gone@example.com'), id: 'u-gone' };
      await commitWork(store, (tx) => tx.users.insert(u));
      const gone = { type: 'User' as const, id: 'u-gone', email: 'Gone@Example.com', name: 'Gone', ip: '10.9.9.9', client: null };
      const renamed = { ...gone, email: 'old-address@example.com' };
      const other = { type: 'User' as const, id: 'u-2', email: 'stay@example.com', name: 'Stay', ip: '10.0.0.2', client: null };
      await store.commitBatch([
        { audit: [auditDraft({ actor: gone }), auditDraft({ actor: other }), auditDraft({ actor: renamed })], access: [accessDraft({ actor: gone }), accessDraft({ actor: other })] },
      ]);
      const hashesBefore = await store.auditTree.leafHashes(0, 3);
      const n = await commitWork(store, (tx) => tx.personal.erasePersonal({ email: 'gone@example.com', userId: 'u-gone' }, 'erased:0123456789abcdef', '2026-03-16T00:00:00.000Z'));
      expect(n).toEqual({ audit: 2, access: 1, account: 1 });
      const leaves = await store.auditTree.leaves(0, 10);
      const [a, b, c] = leaves;
      for (const e of [a, c]) expect(e).toMatchObject({ actor: { email: null, name: 'erased:0123456789abcdef', ip: null }, personalSalt: null });
      expect(a?.personalHash).toMatch(/^[0-9a-f]{64}$/);
      expect(b).toMatchObject({ actor: { email: 'stay@example.com', name: 'Stay', ip: '10.0.0.2' } });
      expect(b?.personalSalt).toMatch(/^[0-9a-f]{32}$/);
      expect(await store.auditTree.leafHashes(0, 3)).toEqual(hashesBefore);
      const access = await store.accessLog.query({}, 10);
      expect(access.find((x) => x.actor.id === 'u-gone')?.actor).toMatchObject({ email: null, name: 'erased:0123456789abcdef', ip: null });
      expect(access.find((x) => x.actor.id === 'u-2')?.actor).toMatchObject({ email: 'stay@example.com' });
      expect(await store.users.getByEmail('gone@example.com')).toBeNull();
      expect(await store.users.getById('u-gone')).toMatchObject({ email: 'erased-0123456789abcdef@erased.invalid', name: 'erased:0123456789abcdef' });
    });
  });
}
