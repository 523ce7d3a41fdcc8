import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGroupCommitter } from '../../src/audit/committer.js';
import { accessDraft, auditDraft, user } from '../../src/store/conformance/fixtures.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { WriterStats } from '../../src/store/postgres/writer-stats.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, postgresAvailable, queryDatabase, type TestDatabase } from '../helpers/pg.js';

const PG = await postgresAvailable();

/**
 * Units submitted while a batch with work waits for the seq lock (another node's batch holds it)
 * join that batch once it has the lock (Store.commitBatch's `more`, batch-runner.ts): with two nodes
 * each batch used to carry only what had arrived before it asked for the lock, and every later
 * arrival waited one more turn of the lock, so two nodes committed fewer rows per second than one.
 * (A batch without work asks no lock from here: the database numbers it, one-message-commit.test.ts.)
 */
describe.skipIf(!PG)('PostgreSQL: units that arrive while the batch waits for the seq lock join it', () => {
  let db: TestDatabase;
  let store: Store;
  let other: pg.Client | null = null;
  const stats = (): WriterStats => (store as unknown as { writerStats(): WriterStats }).writerStats();

  beforeEach(async () => {
    db = await createTestDatabase();
    store = createPostgresStore({ url: db.url, poolSize: 2 });
    await store.migrate();
  });
  afterEach(async () => {
    await other?.end().catch(() => undefined);
    other = null;
    await store?.close();
    await db?.drop();
  });

  /** Another node's batch: holds the log_seq rows until release() (COMMIT). */
  async function holdSeqLock(): Promise<() => Promise<void>> {
    other = new pg.Client({ connectionString: db.url });
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT * FROM log_seq FOR UPDATE');
    const c = other;
    return async () => void (await c.query('COMMIT'));
  }

  /** Waits until the writer's connection is blocked on the lock (pg_stat_activity says so). */
  async function waitUntilBlocked(waiters = 1): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const rows = await queryDatabase<{ n: string }>(
        db.url,
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (Number(rows[0]?.n) >= waiters) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the writer never waited for the seq lock');
  }

  it('every unit submitted during the wait commits in the same batch, in submission order, with gap-free seq', async () => {
    const committer = createGroupCommitter({ store, now: () => new Date() });
    await committer.submit({ audit: [auditDraft()], access: [accessDraft()] }); // connection warm
    const release = await holdSeqLock();
    const before = stats();
    // A write (work) takes the client-side lock path, where the batch waits for the lock's reply.
    const first = committer.submit({ work: (tx) => tx.users.insert(user('first@x.io')), audit: [auditDraft({ resource: 'r-0' })], access: [accessDraft()] });
    await waitUntilBlocked();
    // Submitted while the first batch waits: they would have formed the next batch.
    const late = [1, 2, 3, 4].map((i) =>
      committer.submit({ audit: [auditDraft({ resource: `r-${i}` })], access: [accessDraft()] }),
    );
    const withWork = committer.submit({ work: (tx) => tx.users.insert(user('late@x.io')), audit: [auditDraft({ resource: 'r-5' })], access: [] });
    await new Promise((r) => setTimeout(r, 50));
    await release();
    await Promise.all([first, ...late, withWork]);
    const after = stats();
    expect(after.batches - before.batches).toBe(1);
    expect(after.units - before.units).toBe(6);
    const rows = await queryDatabase<{ seq: string; resource: string }>(db.url, 'SELECT seq, resource FROM audit_log ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows.slice(1).map((r) => r.resource)).toEqual(['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5']);
    expect(await store.users.getByEmail('late@x.io')).not.toBeNull();
    expect(Number((await queryDatabase<{ size: string }>(db.url, 'SELECT size FROM audit_tree WHERE id = 1'))[0]?.size)).toBe(7);
  });

  it('a late unit that fails rolls back alone; the batch and the other late units commit', async () => {
    const committer = createGroupCommitter({ store, now: () => new Date() });
    await committer.submit({ work: (tx) => tx.users.insert(user('taken@x.io')), audit: [], access: [] });
    const release = await holdSeqLock();
    const first = committer.submit({ audit: [auditDraft({ resource: 'a' })], access: [] });
    await waitUntilBlocked();
    const dup = committer.submit({ work: (tx) => tx.users.insert(user('taken@x.io')), audit: [auditDraft({ resource: 'dup' })], access: [] });
    const ok = committer.submit({ audit: [auditDraft({ resource: 'b' })], access: [] });
    await new Promise((r) => setTimeout(r, 50));
    await release();
    await expect(first).resolves.toBeUndefined();
    await expect(dup).rejects.toThrow(/unique/i);
    await expect(ok).resolves.toBeUndefined();
    const rows = await queryDatabase<{ seq: string; resource: string }>(db.url, 'SELECT seq, resource FROM audit_log ORDER BY seq');
    expect(rows.map((r) => [Number(r.seq), r.resource])).toEqual([[1, 'a'], [2, 'b']]);
  });

  it('two log-only batches of one node wait at the database at once (two lanes), a write waits for both; seq stays gap-free', async () => {
    const committer = createGroupCommitter({ store, now: () => new Date() });
    await committer.submit({ audit: [auditDraft()], access: [accessDraft()] }); // connections warm
    const release = await holdSeqLock();
    const before = stats();
    const a = committer.submit({ audit: [auditDraft({ resource: 'a' })], access: [accessDraft()] });
    await waitUntilBlocked(1);
    const b = committer.submit({ audit: [auditDraft({ resource: 'b' })], access: [accessDraft()] });
    // The second lane's message is at the database too, behind the same lock: two waiters.
    await waitUntilBlocked(2);
    const write = committer.submit({ work: (tx) => tx.users.insert(user('after@x.io')), audit: [auditDraft({ resource: 'w' })], access: [] });
    await new Promise((r) => setTimeout(r, 50));
    await release();
    await Promise.all([a, b, write]);
    expect(stats().batches - before.batches).toBe(3);
    const rows = await queryDatabase<{ seq: string; resource: string }>(db.url, 'SELECT seq, resource FROM audit_log ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
    expect(rows.slice(1, 3).map((r) => r.resource).sort()).toEqual(['a', 'b']);
    // The write started only once both log batches were done.
    expect(rows[3]?.resource).toBe('w');
    const access = await queryDatabase<{ seq: string }>(db.url, 'SELECT seq FROM access_log ORDER BY seq');
    expect(access.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
    expect(Number((await queryDatabase<{ size: string }>(db.url, 'SELECT size FROM audit_tree WHERE id = 1'))[0]?.size)).toBe(4);
  });
});
