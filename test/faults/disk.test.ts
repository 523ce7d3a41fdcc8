import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServerProcess, type HttpResult, type ServerProcess } from '../helpers/process.js';
import { auditedReadIds, reads, seedSecret, until } from './fixture.js';

/**
 * Real disk faults under a running server (SQLite): a small tmpfs filled to the brim, and the data
 * files made read-only. Fail-closed (503 without the value), /readyz 503 for as long as commits fail,
 * 200 again once one succeeds, and every 200 has its Audit Log row. Mounting a tmpfs and setting the
 * immutable attribute need root: elsewhere these tests skip with a message, never in CI.
 */
const VALUE = 'disk-fault-marker-3c9a';
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

function canMount(): string | null {
  const probe = mkdtempSync(join(tmpdir(), 'bella-mount-probe-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
    run('umount', [probe]);
    return null;
  } catch (e) {
    return `cannot mount a tmpfs here (${String((e as Error).message).split('\n')[0]}): run the suite as root to test a full disk`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

function canChattr(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'bella-chattr-probe-'));
  try {
    run('chattr', ['+i', dir]);
    run('chattr', ['-i', dir]);
    return null;
  } catch (e) {
    return `cannot set the immutable attribute in ${tmpdir()} (${String((e as Error).message).split('\n')[0]}): needs root on ext4/xfs`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mountProblem = canMount();
const chattrProblem = canChattr();
if (process.env.CI && (mountProblem || chattrProblem)) throw new Error(`CI must run the disk-fault tests: ${mountProblem ?? chattrProblem}`);
if (mountProblem) console.warn(`skipping the full-disk test: ${mountProblem}`);
if (chattrProblem) console.warn(`skipping the read-only test: ${chattrProblem}`);

const ids = (rs: readonly HttpResult[]) => rs.map((r) => r.headers.get('x-request-id') as string);

describe.skipIf(mountProblem !== null)('a full disk (a 12 MB tmpfs filled to the brim)', () => {
  let mnt: string;
  let srv: ServerProcess;
  let token: string;
  beforeAll(async () => {
    mnt = mkdtempSync(join(tmpdir(), 'bella-tmpfs-'));
    run('mount', ['-t', 'tmpfs', '-o', 'size=12m,mode=0700', 'tmpfs', mnt]);
    mkdirSync(join(mnt, 'data'), { mode: 0o700 });
    srv = await startServerProcess({ dataDir: join(mnt, 'data') });
    token = await seedSecret(srv, VALUE);
  });
  afterAll(async () => {
    await srv?.kill();
    if (mnt) {
      try {
        run('umount', [mnt]);
      } catch {
        run('umount', ['-l', mnt]);
      }
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('reads fail closed, /readyz is 503 while commits fail and 200 again only after one succeeds; every 200 is audited', async () => {
    const before = await reads(srv, token, 5);
    expect(before.map((r) => r.status)).toEqual(Array(5).fill(200));

    // Fill the file system: 64 KiB at a time until it says ENOSPC.
    const filler = join(mnt, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(65_536, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }

    // Reads until the commits fail (a WAL with room left may take a few more).
    const during: HttpResult[] = [];
    let failed: HttpResult | null = null;
    for (let i = 0; i < 2000 && !failed; i++) {
      const [r] = await reads(srv, token, 1);
      during.push(r as HttpResult);
      if (r?.status === 503) failed = r;
    }
    expect(failed, 'no read failed on a full disk').not.toBeNull();
    expect(failed?.json()).toMatchObject({ error: { code: 'audit_unavailable' } });
    const ready = await srv.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json<{ reason: string; lastCommitFailure: { reason: string } }>().lastCommitFailure.reason).toMatch(/full/);
    expect((await srv.request('GET', '/healthz')).status).toBe(200);
    const more = await reads(srv, token, 20);
    expect(more.map((r) => r.status)).toEqual(Array(20).fill(503));
    for (const r of [...during, ...more]) if (r.status !== 200) expect(r.text).not.toContain(VALUE);

    rmSync(filler);
    const back = await until(() => srv.request('GET', '/readyz'), (r) => r.status === 200);
    expect(back.json()).toMatchObject({ status: 'ready', lastCommitFailure: null });
    const after = await reads(srv, token, 5);
    expect(after.map((r) => r.status)).toEqual(Array(5).fill(200));

    const audited = await auditedReadIds(srv, token);
    const ok = [...before, ...during, ...more, ...after].filter((r) => r.status === 200);
    for (const id of ids(ok)) expect(audited.has(id), `a 200 without its audit row: ${id}`).toBe(true);
    for (const id of ids([...during, ...more].filter((r) => r.status === 503))) expect(audited.has(id)).toBe(false);
  });
});

describe.skipIf(chattrProblem !== null)('the data files made read-only (immutable) under a running server', () => {
  let srv: ServerProcess;
  let token: string;
  let locked: string[] = [];
  beforeAll(async () => {
    srv = await startServerProcess();
    token = await seedSecret(srv, VALUE);
  });
  afterAll(async () => {
    if (locked.length > 0) run('chattr', ['-i', ...locked]);
    await srv?.kill();
    if (srv) removeDataDir(srv.dataDir);
  });

  it('503 without the value and /readyz 503 while read-only; both recover by themselves once writable', async () => {
    // The database, its WAL and the directory (the shared-memory index stays writable: SQLite maps it).
    locked = [srv.dataDir, join(srv.dataDir, 'bella.db'), join(srv.dataDir, 'bella.db-wal')];
    run('chattr', ['+i', ...locked]);
    const during = await reads(srv, token, 10);
    expect(during.map((r) => r.status)).toEqual(Array(10).fill(503));
    for (const r of during) expect(r.text).not.toContain(VALUE);
    const write = await srv.request('PUT', '/api/v1/projects/faults/environments/prod/secrets/DB_PASSWORD', { token, body: { value: 'changed-while-read-only' } });
    expect(write.status).toBe(503);
    expect((await srv.request('GET', '/readyz')).status).toBe(503);

    run('chattr', ['-i', ...locked]);
    locked = [];
    expect((await until(() => srv.request('GET', '/readyz'), (r) => r.status === 200)).status).toBe(200);
    const after = await reads(srv, token, 3);
    expect(after.map((r) => r.status)).toEqual(Array(3).fill(200));
    expect(after[0]?.json()).toMatchObject({ value: VALUE, version: 1 });
  });
});
