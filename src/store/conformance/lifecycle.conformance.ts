import { describe, expect, it } from 'vitest';
import type { GetContext } from './fixtures.js';

/** The Store itself: migrations and the write probe. */
export function lifecycleConformance(ctx: GetContext): void {
  describe('lifecycle', () => {
    it('migrations are idempotent and several stores may migrate the same database at once', async () => {
      const { store, fx } = ctx();
      const others = [fx.open(), fx.open(), fx.open()];
      await Promise.all(others.map((s) => s.migrate()));
      await others[0]?.migrate();
      await Promise.all(others.map((s) => s.close()));
      await store.probeWritable();
      expect(await store.users.count()).toBe(0);
    });

    it('probeWritable succeeds on a healthy store', async () => {
      const { store } = ctx();
      await expect(store.probeWritable()).resolves.toBeUndefined();
    });
  });
}
