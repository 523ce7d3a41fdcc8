import { describe, expect, it } from 'vitest';
import { commitWork, type GetContext } from './fixtures.js';

/** SettingsPort / SettingsTx: instance settings as key/value text. */
export function settingsConformance(ctx: GetContext): void {
  describe('settings', () => {
    it('settings are written in a unit and read back; the last write wins', async () => {
      const { store } = ctx();
      await store.commitBatch([
        {
          work: async (tx) => {
            await tx.settings.set('k', 'v1');
            await tx.settings.set('k', 'v2');
          },
          audit: [],
          access: [],
        },
      ]);
      expect(await store.settings.get('k')).toBe('v2');
      expect(await store.settings.get('absent')).toBeNull();
      await commitWork(store, async (tx) => {
        await tx.settings.set('k', 'v3');
        await tx.settings.set('other', '');
      });
      expect(await store.settings.get('k')).toBe('v3');
      expect(await store.settings.get('other')).toBe('');
    });
  });
}
