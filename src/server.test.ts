import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { createServer } from './server.js';

describe('createServer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bella-server-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('two servers starting at once on one empty database both start, and the admin is created once', async () => {
    const config = loadConfig({
      BELLA_DATA_DIR: dir,
      BELLA_ADMIN_EMAIL: 'root@example.com',
      BELLA_ADMIN_PASSWORD: 'root-password-123',
      BELLA_LOG_LEVEL: 'silent',
    });
    const [a, b] = await Promise.all([createServer(config), createServer(config)]);
    try {
      const created = await a.store.auditLog.query({ events: ['UserCreated'] }, 10);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ resource: 'root@example.com', actor: { type: 'System' } });
      expect([...a.notices, ...b.notices].filter((n) => n.startsWith('Created the instance admin'))).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
