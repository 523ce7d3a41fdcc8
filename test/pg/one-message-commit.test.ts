import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryLeafHash } from '../../src/integrity/canonical.js';
import { edgeRoot, extend, EMPTY_EDGE, unpackFrontier } from '../../src/integrity/compact.js';
import { rootOf } from '../../src/integrity/merkle.js';
import { accessDraft, auditDraft, user } from '../../src/store/conformance/fixtures.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { WriterStats } from '../../src/store/postgres/writer-stats.js';
import type { Store, Unit } from '../../src/store/types.js';
import { UniqueViolationError } from '../../src/store/types.js';
import { createTestDatabase, postgresAvailable, queryDatabase, type TestDatabase } from '../helpers/pg.js';

const PG = await postgresAvailable();

/**
 * The committer's one-message commits. A batch without work is numbered by the database
 * (batch-runner.ts commitNumbered, postgres-batch.ts numberInDatabase, schema migration 14): BEGIN,
 * bella_number_logs() (lock, seqs, leaves, tree), the inserts and COMMIT in one round trip; if a row
 * fails, everything is rolled back and the batch runs the usual way. A batch with work that ends with
 * log-only units (commitLogOnly, commitGroup) sends their inserts, the tree's writes, the counters
 * and COMMIT in the round trip after the lock's; when one row of that message fails, the
 * transaction goes back before the run (lock kept) and the run is replayed unit by unit.
 */
describe.skipIf(!PG)('PostgreSQL committer: log rows in one message under the seq lock', () => {
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

  it('a batch of log-only units takes one round trip: the database numbers the rows, extends the tree and commits', async () => {
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
    expect(after.roundTrips - before.roundTrips).toBe(1);
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

    // The next batch (no work: numbered by the database) continues where this one stopped.
    const next = stats();
    expect((await store.commitBatch([{ audit: [auditDraft()], access: [accessDraft()] }]))[0]?.ok).toBe(true);
    expect(stats().roundTrips - next.roundTrips).toBe(1);
    expect((await seqs('audit_log')).at(-1)?.[0]).toBe(6);
    expect((await seqs('access_log')).at(-1)?.[0]).toBe(6);
  });

  it('the database computes the same leaves, nodes and edge as the JavaScript tree, over batches of every size and awkward text', async () => {
    const awkward = ['é and 🔐', 'quote " backslash \\ brace { } comma ,', 'lone \ud800 surrogate', 'NUL-free control \u0001\u001f', "O'Brien; DROP TABLE audit_log; --", 'NULL', ''];
    let n = 0;
    const receipts: number[][] = [];
    for (const size of [1, 2, 3, 5, 8, 13, 31, 63, 1, 7, 40]) {
      const units: Unit[] = Array.from({ length: size }, () => {
        const k = n++;
        return {
          audit: [auditDraft({ resource: awkward[k % awkward.length] as string, reason: k % 3 ? null : `r${k}`, details: { k, text: awkward[(k + 1) % awkward.length]?.replace('\ud800', '?'), nested: { b: 1, a: [k, null, true] } } })],
          access: [accessDraft()],
          receipt: (s: readonly number[]) => receipts.push([...s]),
        };
      });
      const before = stats();
      const out = await store.commitBatch(units);
      expect(out.filter((o) => !o.ok)).toEqual([]);
      expect(stats().roundTrips - before.roundTrips).toBe(1);
    }
    expect(receipts).toEqual(Array.from({ length: n }, (_, i) => [i + 1]));
    const entries = await store.auditTree.leaves(0, 100_000);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const leaves = entries.map((e) => entryLeafHash({ ...e, personalHash: e.personalHash as string }));
    const js = extend(EMPTY_EDGE, leaves);
    const state = await store.auditTree.state();
    expect(state.size).toBe(n);
    expect(state.firstSeq).toBe(1);
    expect(unpackFrontier(state.size, state.frontier)).toEqual(js.edge.frontier);
    expect(edgeRoot({ size: state.size, frontier: unpackFrontier(state.size, state.frontier) })).toEqual(rootOf(leaves));
    const stored = await queryDatabase<{ level: number; idx: string; hash: Buffer }>(db.url, 'SELECT level, idx, hash FROM audit_tree_nodes ORDER BY level, idx');
    const expected = [...js.nodes].sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1]);
    expect(stored.map((r) => [r.level, Number(r.idx), r.hash.toString('hex')])).toEqual(expected.map((x) => [x.key[0], x.key[1], x.hash.toString('hex')]));
  });

  it('a log-only batch whose numbered message fails on a row is rolled back whole and run unit by unit: only that unit fails', async () => {
    const taken = auditDraft();
    await store.commitBatch([{ audit: [taken], access: [accessDraft()] }]);
    const before = stats();
    const seen: number[][] = [];
    const units: Unit[] = [
      { audit: [auditDraft({ resource: 'a' })], access: [accessDraft()], receipt: (s) => seen.push([...s]) },
      { audit: [{ ...taken }], access: [accessDraft()], receipt: (s) => seen.push([...s]) }, // duplicate audit id
      { audit: [auditDraft({ resource: 'b' })], access: [accessDraft()], receipt: (s) => seen.push([...s]) },
    ];
    const out = await store.commitBatch(units);
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect((out[1] as { error: unknown }).error).toBeInstanceOf(UniqueViolationError);
    expect(stats().replays - before.replays).toBeGreaterThanOrEqual(1);
    expect(seen).toEqual([[2], [3]]);
    expect((await seqs('audit_log')).map(([s]) => s)).toEqual([1, 2, 3]);
    expect((await seqs('access_log')).map(([s]) => s)).toEqual([1, 2, 3]);
    expect(await treeSize()).toBe(3);
    const leaves = (await store.auditTree.leaves(0, 100)).map((e) => entryLeafHash({ ...e, personalHash: e.personalHash as string }));
    const state = await store.auditTree.state();
    expect(edgeRoot({ size: state.size, frontier: unpackFrontier(state.size, state.frontier) })).toEqual(rootOf(leaves));
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
