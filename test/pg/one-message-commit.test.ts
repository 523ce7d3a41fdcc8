import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessDraft, auditDraft, user } from '../../src/store/conformance/fixtures.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { WriterStats } from '../../src/store/postgres/writer-stats.js';
import type { Store, Unit } from '../../src/store/types.js';
import { UniqueViolationError } from '../../src/store/types.js';
import { createTestDatabase, postgresAvailable, queryDatabase, type TestDatabase } from '../helpers/pg.js';

const PG = await postgresAvailable();

/**
 * The committer's one-message commit (src/store/batch-runner.ts commitLogOnly, postgres-batch.ts
 * commitGroup): a batch that ends with log-only units sends their inserts, the tree's writes, the
 * counters and COMMIT in the round trip after the lock's; when one row of that message fails, the
 * transaction goes back before the run (lock kept) and the run is replayed unit by unit.
 */
describe.skipIf(!PG)('PostgreSQL committer: log-only tail in one message under the seq lock', () => {
  let db: TestDatabase;
  let store: Store;
  const stats = (): WriterStats => (store as unknown as { writerStats(): WriterStats }).writerStats();
  const seqs = async (table: 'audit_log' | 'access_log') =>
    (await queryDatabase<{ seq: string; id: string }>(db.url, `SELECT seq, id FROM ${table} ORDER BY seq`)).map((r) => [Number(r.seq), r.id]);
  const treeSize = async () => Number((await queryDatabase<{ size: string }>(db.url, 'SELECT size FROM audit_tree WHERE id = 1'))[0]?.size ?? 0);

  // A database of its own per test: seq, the tree and the read cache all start empty.
  beforeEach(async () => {
    db = await createTestDatabase();
    store = createPostgresStore({ url: db.url, poolSize: 2 });
    await store.migrate();
  });
  afterEach(async () => {
    await store?.close();
    await db?.drop();
  });

  it('a batch of log-only units takes two round trips: the lock with the edge, then everything else with COMMIT', async () => {
    await store.commitBatch([{ audit: [auditDraft()], access: [accessDraft()] }]); // connection opened, statements warm
    const before = stats();
    const out = await store.commitBatch([
      { audit: [auditDraft()], access: [accessDraft()] },
      { audit: [], access: [accessDraft()] },
      { audit: [auditDraft(), auditDraft()], access: [accessDraft()] },
    ]);
    const after = stats();
    expect(out.every((o) => o.ok)).toBe(true);
    expect(after.batches - before.batches).toBe(1);
    expect(after.roundTrips - before.roundTrips).toBe(2);
    expect(after.replays - before.replays).toBe(0);
    expect((await seqs('audit_log')).map(([s]) => s)).toEqual([1, 2, 3, 4]);
    expect((await seqs('access_log')).map(([s]) => s)).toEqual([1, 2, 3, 4]);
    expect(await treeSize()).toBe(4);
  });

  it('when the one message fails on a row, only that unit fails: the others commit in order with gap-free seq, after a unit with work', async () => {
    const taken = auditDraft();
    const takenAccess = accessDraft();
    await store.commitBatch([{ audit: [taken], access: [takenAccess] }]);
    const before = stats();
    const units: Unit[] = [
      { work: (tx) => tx.users.insert(user('kept@x.io')), audit: [auditDraft({ resource: 'work' })], access: [accessDraft()] },
      { audit: [auditDraft({ resource: 'a' })], access: [accessDraft()] },
      { audit: [{ ...taken }], access: [accessDraft()] }, // duplicate audit id
      { audit: [auditDraft({ resource: 'b' })], access: [accessDraft()] },
      { audit: [], access: [accessDraft({ timestamp: 'not a time' })] }, // a value PostgreSQL rejects (not a unique violation)
      { audit: [], access: [{ ...takenAccess }] }, // duplicate access id
      { audit: [auditDraft({ resource: 'c' })], access: [accessDraft()] },
    ];
    const out = await store.commitBatch(units);
    expect(out.map((o) => o.ok)).toEqual([true, true, false, true, false, false, true]);
    expect((out[2] as { error: unknown }).error).toBeInstanceOf(UniqueViolationError);
    expect((out[4] as { error: unknown }).error).not.toBeInstanceOf(UniqueViolationError);
    expect(String((out[4] as { error: unknown }).error)).toMatch(/time|date/i);
    expect((out[5] as { error: unknown }).error).toBeInstanceOf(UniqueViolationError);
    expect(stats().replays - before.replays).toBe(1);

    const kept = units.filter((_, i) => out[i]?.ok);
    expect(await seqs('audit_log')).toEqual([taken, ...kept.flatMap((u) => u.audit)].map((e, i) => [i + 1, e.id]));
    expect(await seqs('access_log')).toEqual([takenAccess, ...kept.flatMap((u) => u.access)].map((e, i) => [i + 1, e.id]));
    expect((await store.users.list()).map((u) => u.email)).toEqual(['kept@x.io']);
    expect(await treeSize()).toBe(5);
    expect(Number((await queryDatabase<{ last: string }>(db.url, "SELECT last FROM log_seq WHERE log = 'audit'"))[0]?.last)).toBe(5);

    // The next batch continues where this one stopped, in one message again.
    const next = stats();
    expect((await store.commitBatch([{ audit: [auditDraft()], access: [accessDraft()] }]))[0]?.ok).toBe(true);
    expect(stats().roundTrips - next.roundTrips).toBe(2);
    expect((await seqs('audit_log')).at(-1)?.[0]).toBe(6);
    expect((await seqs('access_log')).at(-1)?.[0]).toBe(6);
  });

  it('a failure outside the rows (the tree cannot be written) still fails the whole batch: nothing commits, seq is not consumed', async () => {
    await store.commitBatch([{ audit: [auditDraft()], access: [accessDraft()] }]);
    // A node where the next batch's leaf goes: its tree insert collides (rows written around the committer).
    await queryDatabase(db.url, "INSERT INTO audit_tree_nodes (level, idx, hash) VALUES (0, 1, '\\x00'::bytea)");
    await expect(store.commitBatch([{ audit: [auditDraft()], access: [accessDraft()] }, { audit: [auditDraft()], access: [] }])).rejects.toThrow();
    expect((await seqs('audit_log')).map(([s]) => s)).toEqual([1]);
    expect((await seqs('access_log')).map(([s]) => s)).toEqual([1]);
    expect(await treeSize()).toBe(1);
    await queryDatabase(db.url, 'DELETE FROM audit_tree_nodes WHERE level = 0 AND idx = 1');
    expect((await store.commitBatch([{ audit: [auditDraft()], access: [accessDraft()] }]))[0]?.ok).toBe(true);
    expect((await seqs('audit_log')).map(([s]) => s)).toEqual([1, 2]);
    expect(await treeSize()).toBe(2);
  });
});
