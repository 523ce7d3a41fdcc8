import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccessDraft, AuditDraft, Store, StoreTx, Unit, UserRow } from '../types.js';
import { UniqueViolationError } from '../types.js';
import { SQLITE_MIGRATIONS } from './schema.js';
import { createSqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'bella-sqlite-'));
  dirs.push(d);
  return join(d, 'bella.db');
};

const actor = { type: 'User' as const, id: 'u1', email: 'a@example.com', name: 'A', ip: '127.0.0.1' };
const audit = (requestId: string, ts = '2026-03-01T00:00:00.000Z'): AuditDraft => ({
  id: randomUUID(), timestamp: ts, event: 'SecretRead', actor, projectSlug: 'p', environmentSlug: 'e', resource: 'K',
  outcome: 'Success', requestId, userAgent: 'ua', reason: null, details: { version: 1, nested: { ok: true } },
});
const access = (requestId: string, ts = '2026-03-01T00:00:00.000Z'): AccessDraft => ({
  id: randomUUID(), timestamp: ts, requestId, method: 'GET', route: '/r', path: '/r', status: 200, durationMs: 1.5, actor,
  userAgent: 'ua', projectSlug: 'p', environmentSlug: 'e',
});
const user = (email: string): UserRow => ({ id: randomUUID(), email, name: email, passwordHash: 'h', admin: false, createdAt: '2026-03-01T00:00:00.000Z' });
const unit = (requestId: string, work?: (tx: StoreTx) => Promise<unknown>): Unit => ({ work, audit: [audit(requestId)], access: [access(requestId)] });

describe('the SQLite store', () => {
  let file: string;
  let store: Store;
  beforeEach(async () => {
    file = tempFile();
    store = createSqliteStore({ file });
    await store.migrate();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close().catch(() => undefined);
  });

  const seqsOf = async (requestId: string) => ({
    audit: (await store.auditLog.query({ requestId }, 10)).map((e) => e.seq),
    access: (await store.accessLog.query({ requestId }, 10)).map((e) => e.seq),
  });


  it('the Merkle tree stores leaves and even levels only; an odd-level node is computed from its two children', async () => {
    await store.commitBatch([{ audit: [0, 1, 2, 3].map((i) => audit(`tree-${i}`)), access: [] }]);
    const raw = new Database(file, { readonly: true });
    const levels = raw.prepare('SELECT level, count(*) AS n FROM audit_tree_nodes GROUP BY level ORDER BY level').all();
    raw.close();
    // 4 leaves: level 0 (4 nodes) and level 2 (the root of all four); level 1 is not stored.
    expect(levels).toEqual([{ level: 0, n: 4 }, { level: 2, n: 1 }]);
    const { nodeHash } = await import('../../integrity/hash.js');
    const got = await store.auditTree.nodes([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0]]);
    expect(got.get('1/0')).toEqual(nodeHash(got.get('0/0') as Buffer, got.get('0/1') as Buffer));
    expect(got.get('2/0')).toEqual(nodeHash(got.get('1/0') as Buffer, got.get('1/1') as Buffer));
  });
  it('the database, its WAL and shared-memory files are readable by their owner only (0600), also a file that existed 0644', async () => {
    await store.commitBatch([unit('perm')]);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
    const old = tempFile();
    writeFileSync(old, '');
    chmodSync(old, 0o644);
    const s = createSqliteStore({ file: old });
    await s.migrate();
    expect((statSync(old).mode & 0o777).toString(8)).toBe('600');
    await s.close();
  });

  it('memory stays flat over 100,000 distinct filter combinations (bounded statement cache, limits as parameters)', async () => {
    // What a caller controls: which filters are set (64 shapes here) and every value, the limit included.
    const filterAt = (i: number) => ({
      project: i & 1 ? `p${i}` : undefined,
      actor: i & 2 ? `user${i}@example.com` : undefined,
      events: i & 4 ? (['SecretRead', 'UserLogin'] as const) : undefined,
      resource: i & 8 ? `KEY_${i}` : undefined,
      since: i & 16 ? new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() : undefined,
      beforeSeq: i & 32 ? i : undefined,
    });
    const run = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await store.auditLog.query(filterAt(i), 1 + (i % 1000));
    };
    await run(0, 5000);
    const before = process.memoryUsage().rss;
    await run(5000, 100_000);
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    expect(grown, `RSS grew ${grown.toFixed(1)} MiB`).toBeLessThan(48);
  }, 120_000);

  it('opens the database in WAL mode, with SQLite\'s own flush and checkpoint inside COMMIT switched off (the store does both off the event loop), and migrates once', async () => {
    const spy = vi.spyOn(Database.prototype, 'pragma');
    const s = createSqliteStore({ file: tempFile() });
    await s.migrate();
    const pragmas = spy.mock.calls.map((c) => String(c[0]));
    expect(pragmas).toContain('journal_mode = WAL');
    expect(pragmas).toContain('synchronous = NORMAL');
    expect(pragmas).toContain('wal_autocheckpoint = 0');
    await s.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    db.close();
    await store.migrate(); // a second migrate is a no-op
  });

  it('a batch commits every unit with gap-free seq in commit order and returns each work value', async () => {
    const out = await store.commitBatch([unit('r1', async () => 'one'), unit('r2'), unit('r3', async () => 3)]);
    expect(out).toEqual([{ ok: true, value: 'one' }, { ok: true, value: undefined }, { ok: true, value: 3 }]);
    expect(await seqsOf('r1')).toEqual({ audit: [1], access: [1] });
    expect(await seqsOf('r2')).toEqual({ audit: [2], access: [2] });
    expect(await seqsOf('r3')).toEqual({ audit: [3], access: [3] });
    const [e] = await store.auditLog.query({ requestId: 'r1' }, 1);
    expect(e).toMatchObject({ event: 'SecretRead', actor, details: { version: 1, nested: { ok: true } }, timestamp: '2026-03-01T00:00:00.000Z' });
  });

  it('a unit whose work throws rolls back alone: its change and its rows are gone, the rest commit without a seq gap', async () => {
    const boom = new Error('work failed');
    const out = await store.commitBatch([
      unit('ok1', (tx) => tx.users.insert(user('one@example.com'))),
      unit('bad', async (tx) => {
        await tx.users.insert(user('two@example.com'));
        throw boom;
      }),
      unit('ok2', (tx) => tx.users.insert(user('three@example.com'))),
    ]);
    expect(out).toEqual([{ ok: true, value: undefined }, { ok: false, error: boom }, { ok: true, value: undefined }]);
    expect(await store.users.getByEmail('two@example.com')).toBeNull();
    expect(await store.users.getByEmail('one@example.com')).not.toBeNull();
    expect(await store.users.getByEmail('three@example.com')).not.toBeNull();
    expect(await seqsOf('bad')).toEqual({ audit: [], access: [] });
    expect(await seqsOf('ok1')).toEqual({ audit: [1], access: [1] });
    expect(await seqsOf('ok2')).toEqual({ audit: [2], access: [2] });
  });

  it('a unit whose log row cannot be inserted rolls back its work too', async () => {
    const dupe = audit('first');
    await store.commitBatch([{ audit: [dupe], access: [] }]);
    const out = await store.commitBatch([{ work: (tx) => tx.users.insert(user('x@example.com')), audit: [dupe], access: [] }, unit('after')]);
    expect(out[0]?.ok).toBe(false);
    expect(out[1]?.ok).toBe(true);
    expect(await store.users.getByEmail('x@example.com')).toBeNull();
    expect(await seqsOf('after')).toEqual({ audit: [2], access: [1] });
  });

  it('a unique violation inside a unit is reported as UniqueViolationError', async () => {
    const u = user('same@example.com');
    const out = await store.commitBatch([unit('a', (tx) => tx.users.insert(u)), unit('b', (tx) => tx.users.insert({ ...u, id: randomUUID() }))]);
    expect(out[0]?.ok).toBe(true);
    expect(out[1]?.ok === false && out[1].error).toBeInstanceOf(UniqueViolationError);
  });

  it('reads see only committed rows: the batch in progress is invisible to them', async () => {
    const u = user('pending@example.com');
    let seenDuringWork: unknown = 'not run';
    await store.commitBatch([unit('w', async (tx) => {
      await tx.users.insert(u);
      seenDuringWork = await store.users.getById(u.id);
    })]);
    expect(seenDuringWork).toBeNull();
    expect(await store.users.getById(u.id)).toMatchObject({ email: 'pending@example.com' });
  });

  it('seq never reuses numbers after retention purged the newest rows', async () => {
    await store.commitBatch([{ audit: [audit('old1', '2020-01-01T00:00:00.000Z'), audit('old2', '2020-01-02T00:00:00.000Z')], access: [] }]);
    expect(await store.auditLog.purge('2021-01-01T00:00:00.000Z', 1)).toBe(2);
    await store.commitBatch([unit('new')]);
    expect((await seqsOf('new')).audit).toEqual([3]);
    expect(await store.auditLog.purge('2021-01-01T00:00:00.000Z', 10)).toBe(0);
  });

  it('committed rows survive closing and reopening the file', async () => {
    await store.commitBatch([unit('durable', (tx) => tx.users.insert(user('d@example.com')))]);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();
    store = createSqliteStore({ file });
    await store.migrate();
    expect(await seqsOf('durable')).toEqual({ audit: [1], access: [1] });
    expect(await store.users.getByEmail('d@example.com')).not.toBeNull();
  });

  it('when another connection holds the write lock, the batch rejects, nothing is applied, and the store recovers', { timeout: 30_000 }, async () => {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.commitBatch([unit('locked', (tx) => tx.users.insert(user('l@example.com')))])).rejects.toThrow(/locked|busy/i);
      await expect(store.probeWritable()).rejects.toThrow(/locked|busy/i);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.users.getByEmail('l@example.com')).toBeNull();
    expect(await seqsOf('locked')).toEqual({ audit: [], access: [] });
    await store.probeWritable();
    await store.commitBatch([unit('next')]);
    expect(await seqsOf('next')).toEqual({ audit: [1], access: [1] });
  });
});
