import { describe, expect, it } from 'vitest';
import { apiKey, commitWork, environment, project, user, type GetContext } from './fixtures.js';

/** ApiKeyPort / ApiKeysTx: API keys per project and environment, revocation. */
export function apiKeysConformance(ctx: GetContext): void {
  describe('apiKeys', () => {
    it('API keys are written, listed per project or environment, and revoked once', async () => {
      const { store } = ctx();
      const u = user('m@x.io');
      const p = project('a-b');
      const e = environment(p, 'prod');
      const e2 = environment(p, 'dev');
      const key = apiKey(p, e, 'k1', u.id);
      const key2 = { ...apiKey(p, e2, 'k2', null), createdAt: '2026-03-15T10:20:31.000Z' };
      await commitWork(store, async (tx) => {
        await tx.users.insert(u);
        await tx.projects.insert(p);
        await tx.projects.insertEnvironment(e);
        await tx.projects.insertEnvironment(e2);
        await tx.apiKeys.insert(key2);
        await tx.apiKeys.insert(key);
      });
      expect(await store.apiKeys.get('k1')).toEqual(key);
      expect(await store.apiKeys.get('nope')).toBeNull();
      expect(await store.apiKeys.list(p.id)).toEqual([key, key2]);
      expect(await store.apiKeys.list(p.id, e.id)).toEqual([key]);
      expect(await store.apiKeys.list(p.id, 'other-env')).toEqual([]);
      const revoke = await commitWork(store, async (tx) => [
        await tx.apiKeys.revoke('k1', '2026-03-15T12:00:00.000Z'),
        await tx.apiKeys.revoke('k1', '2026-03-15T12:00:00.000Z'),
        await tx.apiKeys.revoke('nope', '2026-03-15T12:00:00.000Z'),
      ]);
      expect(revoke).toEqual([true, false, false]);
      expect((await store.apiKeys.get('k1'))?.revokedAt).toBe('2026-03-15T12:00:00.000Z');
      expect((await store.apiKeys.get('k2'))?.revokedAt).toBeNull();
    });
  });
}
