import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser } from './cli-harness.js';

/** `bella admin backup --out FILE` and the documented restore (docs/operations.md), as an admin runs them. */
const VALUE = 'backup-e2e-marker-2f61';

describe('bella admin backup, then a restore into a new data dir', () => {
  let srv: ServerProcess;
  let admin: CliUser;
  const dirs: string[] = [];
  beforeAll(async () => {
    srv = await startServerProcess({ env: { BELLA_LOG_LEVEL: 'warn' } });
    dirs.push(srv.dataDir);
    admin = new CliUser(srv.url);
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    admin.ok(['projects', 'create', 'shop']);
    admin.ok(['environments', 'create', 'prod', '-p', 'shop']);
    admin.ok(['secrets', 'set', 'DB_PASSWORD', '-p', 'shop', '-e', 'prod'], { input: VALUE });
  });
  afterAll(async () => {
    await srv?.kill();
    for (const d of dirs) removeDataDir(d);
  });

  it('writes a complete 0600 file, refuses to overwrite without --force, and records BackupCreated', () => {
    const out = join(admin.cwd, 'bella.backup.db');
    const first = admin.run(['admin', 'backup', '--out', out]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Backup written to .*bella\.backup\.db \([\d,]+ bytes; recorded in the Audit Log as BackupCreated\)\./);
    expect(first.stdout).toContain('not the master key');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');

    const again = admin.run(['admin', 'backup', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists');
    expect(admin.run(['admin', 'backup', '--out', out, '--force']).code).toBe(0);

    const list = admin.json<{ event: string; outcome: string }[]>(['audit', 'list', '--event', 'BackupCreated', '-o', 'json']);
    expect(list.map((e) => [e.event, e.outcome])).toEqual([
      ['BackupCreated', 'Success'],
      ['BackupCreated', 'Success'],
    ]);
  });

  it('a non-admin is refused (exit 3) and no file is left behind', () => {
    const bob = new CliUser(srv.url);
    admin.ok(['users', 'create', '--email', 'bob@example.com', '--name', 'Bob', '--password-stdin'], { input: 'bob-password-123\n' });
    bob.login('bob@example.com', 'bob-password-123');
    const out = join(bob.cwd, 'stolen.db');
    const r = bob.run(['admin', 'backup', '--out', out]);
    expect(r.code).toBe(3);
    expect(existsSync(out)).toBe(false);
  });

  it('restored as docs/operations.md says (backup as bella.db, the same master key), the server serves the secret again', async () => {
    const out = join(admin.cwd, 'restore-me.db');
    admin.ok(['admin', 'backup', '--out', out]);
    const dir = makeDataDir();
    dirs.push(dir);
    mkdirSync(dir, { recursive: true });
    copyFileSync(out, join(dir, 'bella.db'));
    writeFileSync(join(dir, 'master.key'), readFileSync(join(srv.dataDir, 'master.key')), { mode: 0o600 });
    const restored = await startServerProcess({ dataDir: dir, env: { BELLA_LOG_LEVEL: 'warn' } });
    try {
      const user = new CliUser(restored.url);
      user.login(ADMIN_EMAIL, ADMIN_PASSWORD);
      expect(user.ok(['secrets', 'get', 'DB_PASSWORD', '-p', 'shop', '-e', 'prod']).trim()).toBe(VALUE);
    } finally {
      await restored.stop();
    }
  });
});
