import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { fstatSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AccessDraft, AuditDraft, Store, Unit } from '../types.js';
import { createSqliteStore } from './sqlite-store.js';
import type { FlushFile } from './wal-flush.js';

/**
 * FULL durability with the WAL flushed off the event loop (wal-flush.ts): a batch resolves only after
 * its commit's flush, a read that may include a commit waits for that flush, a failed flush makes
 * the store refuse everything, and checkpoints keep the WAL bounded (checkpointer.ts).
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'bella-durable-'));
  dirs.push(d);
  return join(d, 'bella.db');
};
const actor = { type: 'User' as const, id: 'u1', email: 'a@example.com', name: 'A', ip: '127.0.0.1' };
const audit = (requestId: string): AuditDraft => ({
  id: randomUUID(), timestamp: '2026-03-01T00:00:00.000Z', event: 'SecretRead', actor, projectSlug: 'p', environmentSlug: 'e',
  resource: 'K', outcome: 'Success', requestId, userAgent: 'ua', reason: null, details: {},
});
const access = (requestId: string): AccessDraft => ({
  id: randomUUID(), timestamp: '2026-03-01T00:00:00.000Z', requestId, method: 'GET', route: '/r', path: '/r', status: 200,
  durationMs: 1, actor, userAgent: 'ua', projectSlug: 'p', environmentSlug: 'e',
});
const unit = (requestId: string): Unit => ({ audit: [audit(requestId)], access: [access(requestId)] });

/** A flush the test releases by hand; records the descriptors it was given. */
function heldFlush() {
  const calls: { fd: number; release: () => void; fail: (e: Error) => void }[] = [];
  const flushFile: FlushFile = (fd) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ fd, release: resolve, fail: reject });
    });
  return { calls, flushFile };
}
const settled = async (p: Promise<unknown>) => {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return done;
};

describe('SQLite: commits flushed off the event loop', () => {
  let store: Store | null = null;
  afterEach(async () => {
    await store?.close().catch(() => undefined);
    store = null;
  });

  it('a batch resolves only once its commit\'s WAL flush is done, and the flush is of the WAL file', async () => {
    const file = tempFile();
    const f = heldFlush();
    store = createSqliteStore({ file, flushFile: f.flushFile });
    const migrated = store.migrate();
    await new Promise((r) => setImmediate(r));
    f.calls.shift()?.release(); // the flush after migrating
    await migrated;

    const batch = store.commitBatch([unit('r1')]);
    expect(await settled(batch)).toBe(false);
    expect(f.calls).toHaveLength(1);
    const wal = statSync(`${file}-wal`);
    const flushed = fstatSync(f.calls[0]?.fd as number);
    expect({ dev: flushed.dev, ino: flushed.ino }).toEqual({ dev: wal.dev, ino: wal.ino });
    // Committed (another connection sees it) but not yet acknowledged.
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM audit_log WHERE request_id = ?').get('r1')).toEqual({ n: 1 });
    raw.close();
    f.calls.shift()?.release();
    expect(await batch).toEqual([{ ok: true, value: undefined }]);
  });

  it('a read that may include a commit not yet flushed waits for that flush; reads after it do not wait', async () => {
    const f = heldFlush();
    store = createSqliteStore({ file: tempFile(), flushFile: f.flushFile });
    const migrated = store.migrate();
    await new Promise((r) => setImmediate(r));
    f.calls.shift()?.release();
    await migrated;
    const s = store;

    const batch = s.commitBatch([unit('visible-early')]);
    await new Promise((r) => setImmediate(r));
    expect(f.calls).toHaveLength(1);
    const read = s.auditLog.query({ requestId: 'visible-early' }, 10);
    expect(await settled(read)).toBe(false);
    f.calls.shift()?.release();
    expect((await read).map((e) => e.requestId)).toEqual(['visible-early']);
    await batch;
    expect(await settled(s.auditLog.query({}, 10))).toBe(true);
  });

  it('a failed flush fails its batch; then every commit, read and probe is refused with the reason until the file is reopened, and nothing acknowledged is lost', async () => {
    const file = tempFile();
    const f = heldFlush();
    store = createSqliteStore({ file, flushFile: f.flushFile });
    const migrated = store.migrate();
    await new Promise((r) => setImmediate(r));
    f.calls.shift()?.release();
    await migrated;
    const s = store;

    const ok = s.commitBatch([unit('acknowledged')]);
    await new Promise((r) => setImmediate(r));
    f.calls.shift()?.release();
    await ok;

    const bad = s.commitBatch([unit('unflushed')]);
    await new Promise((r) => setImmediate(r));
    f.calls.shift()?.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(bad).rejects.toThrow(/flushing the SQLite WAL to disk failed \(EIO: i\/o error, fdatasync\).*restarted/);
    await expect(s.commitBatch([unit('after')])).rejects.toThrow(/flushing the SQLite WAL/);
    await expect(s.probeWritable()).rejects.toThrow(/flushing the SQLite WAL/);
    await expect(s.auditLog.query({}, 10)).rejects.toThrow(/flushing the SQLite WAL/);
    await s.close();
    store = null;

    // Reopened (a restart): the store works again, and the acknowledged row is there.
    const again = createSqliteStore({ file });
    store = again;
    await again.migrate();
    expect((await again.auditLog.query({ requestId: 'acknowledged' }, 10)).length).toBe(1);
    await again.commitBatch([unit('after-restart')]);
    expect((await again.auditLog.query({ requestId: 'after-restart' }, 10)).length).toBe(1);
  });

  it('checkpoints keep the WAL bounded under a stream of commits (SQLite\'s checkpoint inside COMMIT is off)', async () => {
    const file = tempFile();
    store = createSqliteStore({ file });
    await store.migrate();
    const s = store;
    // 800 batches of 4 units: about 125 MB of WAL frames if nothing ever checkpointed.
    for (let i = 0; i < 800; i++) await s.commitBatch([0, 1, 2, 3].map((j) => unit(`wal-${i}-${j}`)));
    const raw = new Database(file, { readonly: true });
    const rows = raw.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number };
    raw.close();
    expect(rows.n).toBe(3200);
    const walMiB = statSync(`${file}-wal`).size / 2 ** 20;
    // Checkpointed by size (about 1,000 frames) and with backpressure when commits outrun a running
    // checkpoint: 5–6.5 MiB here under load. Checkpointed by time only, a fast machine let it reach
    // 16.6–21.8 MiB (and 20.2 MiB quiet).
    expect(walMiB, `the WAL is ${walMiB.toFixed(1)} MiB`).toBeLessThan(10);
  }, 120_000);
});

describe('SQLite: the read cache\'s fence is not held back by a flush', () => {
  it('cacheVersion answers while a commit\'s flush is still running (its value never leaves the process), and sees that commit', async () => {
    const f = heldFlush();
    const s = createSqliteStore({ file: tempFile(), flushFile: f.flushFile });
    const migrated = s.migrate();
    await new Promise((r) => setImmediate(r));
    f.calls.shift()?.release();
    await migrated;
    try {
      const before = await s.cacheVersion();
      const batch = s.commitBatch([{ work: (tx) => tx.users.insert({ id: randomUUID(), email: 'v@example.com', name: 'V', passwordHash: 'h', admin: false, createdAt: '2026-03-01T00:00:00.000Z' }), audit: [audit('v')], access: [access('v')] }]);
      await new Promise((r) => setImmediate(r));
      expect(f.calls).toHaveLength(1);
      const version = s.cacheVersion();
      expect(await settled(version)).toBe(true);
      expect(await version).toBeGreaterThan(before);
      // A read that returns rows still waits.
      expect(await settled(s.users.getByEmail('v@example.com'))).toBe(false);
      f.calls.shift()?.release();
      await batch;
    } finally {
      await s.close();
    }
  });
});

describe('SQLite: a script that only commits (no server keeping the process alive)', () => {
  it('runs to its end and closes with a checkpoint thread started (exited with code 13 inside close() before: the thread was unreferenced)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
    const store = join(root, 'dist/src/store/sqlite/sqlite-store.js');
    const committer = join(root, 'dist/src/audit/committer.js');
    // Shaped like benchmark 2 (bench/ingest.ts), where the process once exited (code 13) inside
    // close(): the group committer, turns of 500 units, then close with a checkpoint in flight.
    const script = `
      const { createSqliteStore } = await import(${JSON.stringify(store)});
      const { createGroupCommitter } = await import(${JSON.stringify(committer)});
      const { randomUUID } = await import('node:crypto');
      const s = createSqliteStore({ file: ${JSON.stringify(tempFile())} });
      await s.migrate();
      const c = createGroupCommitter({ store: s, now: () => new Date() });
      const actor = { type: 'User', id: 'u1', email: 'a@example.com', name: 'A', ip: '127.0.0.1' };
      const all = [];
      for (let i = 0; i < 20000; i++) {
        all.push(c.submit({ audit: [{ id: randomUUID(), timestamp: '2026-03-01T00:00:00.000Z', event: 'SecretRead', actor,
          projectSlug: 'p', environmentSlug: 'e', resource: 'K', outcome: 'Success', requestId: 'r' + i, userAgent: 'ua', reason: null, details: {} }], access: [] }));
        if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(all);
      await c.drain();
      await s.close();
      console.log('committed 20000');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: r.status, out: r.stdout.trim(), err: r.stderr.trim() }).toEqual({ status: 0, out: 'committed 20000', err: '' });
  }, 90_000);
});
