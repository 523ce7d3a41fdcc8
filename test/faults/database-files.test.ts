import { copyFileSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir, removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { auditedReadIds, reads, seedSecret, SECRET_URL, until } from './fixture.js';

/**
 * Real faults on the SQLite files of a running server (issue: the database deleted while running):
 * the server notices that the file it writes is no longer the file at its path, refuses to serve
 * (503 without the value), says why in /readyz, and never starts over on an empty database silently.
 */
const VALUE = 'db-file-fault-marker-5d81';
const FILES = ['bella.db', 'bella.db-wal', 'bella.db-shm'];

describe('the database files removed, renamed or replaced under a running server (SQLite)', () => {
  let srv: ServerProcess | null = null;
  const dirs: string[] = [];
  const start = async (dataDir?: string, env: Record<string, string> = {}) => {
    const dir = dataDir ?? makeDataDir();
    if (!dirs.includes(dir)) dirs.push(dir);
    srv = await startServerProcess({ dataDir: dir, env });
    return srv;
  };
  afterEach(async () => {
    await srv?.kill();
    srv = null;
    for (const d of dirs.splice(0)) removeDataDir(d);
  });

  it('files removed: every read answers 503 without the value, /readyz says which file, and a restart refuses to begin an empty database', async () => {
    const s = await start();
    const token = await seedSecret(s, VALUE);
    expect((await reads(s, token, 1))[0]?.json()).toMatchObject({ value: VALUE });
    for (const f of FILES) rmSync(join(s.dataDir, f));

    const after = await reads(s, token, 50);
    expect(after.map((r) => r.status)).toEqual(Array(50).fill(503));
    for (const r of after) expect(r.text).not.toContain(VALUE);
    const ready = await s.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json<{ reason: string }>().reason).toContain(`${join(s.dataDir, 'bella.db')} was removed or renamed`);
    expect((await s.request('GET', '/healthz')).status).toBe(200);

    await s.stop();
    srv = null;
    const again = startServerProcess({ dataDir: s.dataDir });
    await expect(again).rejects.toThrow(/database .*bella\.db is missing/);
    await expect(again).rejects.toThrow(/BELLA_INITIALIZE=true/);
    expect(existsSync(join(s.dataDir, 'bella.db'))).toBe(false);

    // Told to, it starts anew (the admin is created again from the environment).
    const fresh = await start(s.dataDir, { BELLA_INITIALIZE: 'true' });
    const t2 = await fresh.login();
    expect((await fresh.request('GET', SECRET_URL, { token: t2 })).status).toBe(404);
  });

  it('file renamed away: 503 and /readyz 503 while it is gone; renamed back, service resumes and every 200 has its audit row', async () => {
    const s = await start();
    const token = await seedSecret(s, VALUE);
    const db = join(s.dataDir, 'bella.db');
    renameSync(db, `${db}.moved`);
    const during = await reads(s, token, 10);
    expect(during.map((r) => r.status)).toEqual(Array(10).fill(503));
    expect((await s.request('GET', '/readyz')).status).toBe(503);

    renameSync(`${db}.moved`, db);
    const ready = await until(() => s.request('GET', '/readyz'), (r) => r.status === 200);
    expect(ready.json()).toMatchObject({ status: 'ready', lastCommitFailure: null });
    const ok = await reads(s, token, 5);
    expect(ok.map((r) => r.status)).toEqual(Array(5).fill(200));
    const audited = await auditedReadIds(s, token);
    for (const r of ok) expect(audited.has(r.headers.get('x-request-id') as string)).toBe(true);
    for (const r of during) expect(audited.has(r.headers.get('x-request-id') as string)).toBe(false);
  });

  it('file replaced by another database: 503, /readyz names the replacement, nothing is written into the impostor', async () => {
    const s = await start();
    const token = await seedSecret(s, VALUE);
    const db = join(s.dataDir, 'bella.db');
    // Another (empty) SQLite database put in its place, the way a careless restore would.
    const other = join(s.dataDir, 'other.db');
    new Database(other).close();
    const before = new Database(other, { readonly: true });
    const tablesBefore = before.prepare("SELECT count(*) AS n FROM sqlite_master").get();
    before.close();
    copyFileSync(db, `${db}.orig`);
    renameSync(other, db);

    const r = await reads(s, token, 5);
    expect(r.map((x) => x.status)).toEqual(Array(5).fill(503));
    for (const x of r) expect(x.text).not.toContain(VALUE);
    const ready = await s.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json<{ reason: string }>().reason).toContain('was replaced by another file');
    const impostor = new Database(db, { readonly: true });
    expect(impostor.prepare("SELECT count(*) AS n FROM sqlite_master").get()).toEqual(tablesBefore);
    impostor.close();
  });

  it('the WAL removed alone is noticed too (its committed rows would be lost at the next start)', async () => {
    const s = await start();
    const token = await seedSecret(s, VALUE);
    rmSync(join(s.dataDir, 'bella.db-wal'));
    const r = await reads(s, token, 3);
    expect(r.map((x) => x.status)).toEqual(Array(3).fill(503));
    expect((await s.request('GET', '/readyz')).json<{ reason: string }>().reason).toContain('bella.db-wal was removed or renamed');
  });

  it('a data dir with a master key but no database (lost before the start) refuses to start, naming what is missing', async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'master.key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    await expect(startServerProcess({ dataDir: dir })).rejects.toThrow(/holds master\.key\) but its database .*bella\.db is missing/);
    expect(existsSync(join(dir, 'bella.db'))).toBe(false);
  });

  it('a first start on an empty data dir needs no flag', async () => {
    const s = await start();
    expect((await s.request('GET', '/readyz')).status).toBe(200);
    expect(existsSync(join(s.dataDir, 'bella.initialized'))).toBe(true);
  });
});
