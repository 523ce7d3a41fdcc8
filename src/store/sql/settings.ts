import type { SettingsPort, SettingsTx } from '../ports.js';
import type { SqlDb } from './db.js';

/** Instance settings (retention windows …) as key/value text. */
export function settingsPort(db: SqlDb): SettingsPort {
  return { get: async (key) => ((await db.one('SELECT value FROM settings WHERE key = ?', [key]))?.value as string | undefined) ?? null };
}

export function settingsTx(db: SqlDb): SettingsTx {
  return {
    async set(key, value) {
      await db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
    insertIfAbsent: async (key, value) => (await db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, value])) === 1,
  };
}
