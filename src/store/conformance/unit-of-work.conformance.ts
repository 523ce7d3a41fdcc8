import { describe, expect, it } from 'vitest';
import type { AuditDraft, Unit } from '../types.js';
import { UniqueViolationError } from '../types.js';
import { accessDraft, auditDraft, project, user, type GetContext } from './fixtures.js';

/** commitBatch: one transaction, a savepoint per unit, gap-free seq in commit order, reads-for-write. */
export function unitOfWorkConformance(ctx: GetContext): void {
  describe('unit of work (commitBatch)', () => {
    it('a batch commits every unit, returns each work value in order and numbers rows gap-free from 1', async () => {
      const { store } = ctx();
      const units: Unit[] = [
        { work: async () => 'a', audit: [auditDraft(), auditDraft()], access: [accessDraft()] },
        { audit: [], access: [accessDraft(), accessDraft()] },
        { work: async () => 42, audit: [auditDraft()], access: [] },
      ];
      const out = await store.commitBatch(units);
      expect(out).toEqual([{ ok: true, value: 'a' }, { ok: true, value: undefined }, { ok: true, value: 42 }]);
      const audit = await store.auditLog.query({}, 100);
      const access = await store.accessLog.query({}, 100);
      expect(audit.map((e) => e.seq)).toEqual([3, 2, 1]);
      expect(access.map((e) => e.seq)).toEqual([3, 2, 1]);
      // seq follows the units' order and each unit's row order.
      expect([...audit].reverse().map((e) => e.id)).toEqual([...(units[0]?.audit ?? []), ...(units[2]?.audit ?? [])].map((e) => e.id));
      expect([...access].reverse().map((e) => e.id)).toEqual([...(units[0]?.access ?? []), ...(units[1]?.access ?? [])].map((e) => e.id));
    });

    it('an empty batch and units without rows take no seq: the next rows continue where the log stopped', async () => {
      const { store } = ctx();
      expect(await store.commitBatch([])).toEqual([]);
      await store.commitBatch([{ audit: [auditDraft()], access: [accessDraft()] }]);
      expect(await store.commitBatch([])).toEqual([]);
      const out = await store.commitBatch([
        { audit: [], access: [] },
        { work: async () => 'x', audit: [], access: [] },
      ]);
      expect(out).toEqual([{ ok: true, value: undefined }, { ok: true, value: 'x' }]);
      await store.commitBatch([{ audit: [auditDraft()], access: [accessDraft()] }]);
      expect((await store.auditLog.query({}, 10)).map((e) => e.seq)).toEqual([2, 1]);
      expect((await store.accessLog.query({}, 10)).map((e) => e.seq)).toEqual([2, 1]);
    });

    it('a failing unit rolls back alone: its state changes and rows vanish, its seq values are reused, the others commit', async () => {
      const { store } = ctx();
      const boom = new Error('work failed');
      const out = await store.commitBatch([
        { work: (tx) => tx.users.insert(user('a@x.io')), audit: [auditDraft({ resource: 'a' })], access: [accessDraft()] },
        {
          work: async (tx) => {
            await tx.users.insert(user('b@x.io'));
            throw boom;
          },
          audit: [auditDraft({ resource: 'b' })],
          access: [accessDraft()],
        },
        { work: (tx) => tx.users.insert(user('c@x.io')), audit: [auditDraft({ resource: 'c' })], access: [accessDraft()] },
      ]);
      expect(out[0]).toEqual({ ok: true, value: undefined });
      expect(out[1]).toEqual({ ok: false, error: boom });
      expect(out[2]?.ok).toBe(true);
      expect((await store.users.list()).map((u) => u.email)).toEqual(['a@x.io', 'c@x.io']);
      const audit = await store.auditLog.query({}, 10);
      expect(audit.map((e) => [e.seq, e.resource])).toEqual([[2, 'c'], [1, 'a']]);
      expect((await store.accessLog.query({}, 10)).map((e) => e.seq)).toEqual([2, 1]);
      await store.commitBatch([{ audit: [auditDraft()], access: [] }]);
      expect((await store.auditLog.query({}, 1))[0]?.seq).toBe(3);
    });

    it('a unique violation surfaces as UniqueViolationError for that unit only', async () => {
      const { store } = ctx();
      await store.commitBatch([{ work: (tx) => tx.users.insert(user('dup@x.io')), audit: [], access: [] }]);
      const out = await store.commitBatch([
        { work: (tx) => tx.users.insert(user('dup@x.io')), audit: [auditDraft()], access: [] },
        { work: (tx) => tx.users.insert(user('other@x.io')), audit: [auditDraft()], access: [] },
      ]);
      expect(out[0]?.ok).toBe(false);
      expect((out[0] as { error: unknown }).error).toBeInstanceOf(UniqueViolationError);
      expect(out[1]?.ok).toBe(true);
      expect(await store.users.count()).toBe(2);
      expect((await store.auditLog.query({}, 10)).map((e) => e.seq)).toEqual([1]);
    });

    it('a log row that violates a constraint fails only its own unit, also among units that only write log rows', async () => {
      const { store } = ctx();
      const a = auditDraft();
      const out = await store.commitBatch([
        { audit: [a], access: [accessDraft()] },
        { audit: [auditDraft()], access: [accessDraft()] },
        { audit: [{ ...a }], access: [accessDraft()] },
        { audit: [auditDraft()], access: [accessDraft()] },
      ]);
      expect(out.map((o) => o.ok)).toEqual([true, true, false, true]);
      expect((out[2] as { error: unknown }).error).toBeInstanceOf(UniqueViolationError);
      expect((await store.auditLog.query({}, 10)).map((e) => e.seq)).toEqual([3, 2, 1]);
      expect((await store.accessLog.query({}, 10)).map((e) => e.seq)).toEqual([3, 2, 1]);
    });

    it('a small batch (its inserts sent as statement text with the savepoint on PostgreSQL) stores quotes, backslashes and braces exactly', async () => {
      const { store } = ctx();
      const nasty = `it's "quoted" \\ back\\slash {brace,comma} NULL '); SELECT 1; -- \u00e9\n\t`;
      const out = await store.commitBatch([
        { audit: [auditDraft({ resource: nasty, reason: nasty, details: { nasty } })], access: [accessDraft({ path: nasty, userAgent: 'NULL' })] },
        { audit: [auditDraft({ resource: '', reason: null })], access: [accessDraft({ path: '""' })] },
      ]);
      expect(out.every((o) => o.ok)).toBe(true);
      const [second, first] = await store.auditLog.query({}, 10);
      expect(first?.resource).toBe(nasty);
      expect(first?.reason).toBe(nasty);
      expect(first?.details).toEqual({ nasty });
      expect(second?.resource).toBe('');
      expect(second?.reason).toBeNull();
      const [a2, a1] = await store.accessLog.query({}, 10);
      expect(a1?.path).toBe(nasty);
      expect(a1?.userAgent).toBe('NULL');
      expect(a2?.path).toBe('""');
    });

    it('a large batch (bulk path: COPY on PostgreSQL) stores awkward text exactly, and a bad row among 80 fails only its unit', async () => {
      const { store } = ctx();
      const awkward = 'tab\there, newline\nand\r\\N backslash \\ "quote" \'single\' é 😀 \\.';
      const units: Unit[] = Array.from({ length: 150 }, (_, i) => ({
        audit: [auditDraft({ resource: `${awkward}-${i}`, reason: i % 2 ? null : awkward, details: { text: awkward, i } })],
        access: [accessDraft({ path: `/p?q=${awkward}-${i}`, userAgent: i % 3 ? null : awkward })],
      }));
      expect((await store.commitBatch(units)).every((o) => o.ok)).toBe(true);
      const audit = [...(await store.auditLog.query({}, 200))].reverse();
      const access = [...(await store.accessLog.query({}, 200))].reverse();
      expect(audit.map((e) => e.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      expect(access.map((e) => e.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      expect(audit.map((e) => e.id)).toEqual(units.map((u) => u.audit[0]?.id));
      expect(audit[3]?.resource).toBe(`${awkward}-3`);
      expect(audit[3]?.reason).toBeNull();
      expect(audit[4]?.reason).toBe(awkward);
      expect(audit[4]?.details).toEqual({ text: awkward, i: 4 });
      expect(access[5]?.path).toBe(`/p?q=${awkward}-5`);
      expect(access[6]?.userAgent).toBe(awkward);
      expect(access[7]?.userAgent).toBeNull();

      // The second batch repeats an id of the first in unit 40: the bulk insert fails, the units are
      // replayed one by one, only unit 40 fails and the numbers continue without a gap.
      const again = Array.from({ length: 80 }, (_, i): Unit => ({ audit: [i === 40 ? { ...(units[9]?.audit[0] as AuditDraft) } : auditDraft()], access: [accessDraft()] }));
      const out = await store.commitBatch(again);
      expect(out.map((o, i) => (o.ok ? null : i)).filter((i) => i !== null)).toEqual([40]);
      expect((out[40] as { error: unknown }).error).toBeInstanceOf(UniqueViolationError);
      const tail = [...(await store.auditLog.query({}, 79))].reverse();
      expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: 79 }, (_, i) => 151 + i));
      expect(tail.map((e) => e.id)).toEqual(again.filter((_, i) => i !== 40).map((u) => u.audit[0]?.id));
    });

    it('audit rows appended by the work are read only after it finished and are committed with it', async () => {
      const { store } = ctx();
      const audit: AuditDraft[] = [];
      const out = await store.commitBatch([
        {
          work: async (tx) => {
            await tx.settings.set('after', 'work');
            audit.push(auditDraft({ event: 'SecretCreated', details: { afterWork: true } }));
            return 'done';
          },
          audit,
          access: [],
        },
      ]);
      expect(out[0]?.ok).toBe(true);
      const rows = await store.auditLog.query({}, 10);
      expect(rows.map((r) => [r.event, r.details])).toEqual([['SecretCreated', { afterWork: true }]]);
    });

    it("a unit's reads-for-write see an earlier unit's uncommitted writes in the same batch; the read ports do not", async () => {
      const { store } = ctx();
      const u = user('Early@X.io');
      const p = project('early');
      const out = await store.commitBatch([
        {
          work: async (tx) => {
            await tx.users.insert(u);
            await tx.projects.insert(p);
            await tx.members.upsert(p.id, null, u.id, 'OWNER');
          },
          audit: [auditDraft()],
          access: [],
        },
        { audit: [auditDraft()], access: [accessDraft()] },
        {
          work: async (tx) => ({
            forWrite: await tx.users.getByEmail('EARLY@x.io'),
            locked: (await tx.members.lockProject(p.id)).map((m) => [m.userId, m.role, m.environmentId, m.email]),
            // The read ports see committed data only: the batch is still open.
            committedUser: await store.users.getByEmail('early@x.io'),
            committedMembers: await store.members.listOfProject(p.id),
            committedProject: await store.projects.getById(p.id),
          }),
          audit: [],
          access: [],
        },
      ]);
      expect(out.map((o) => o.ok)).toEqual([true, true, true]);
      expect((out[2] as { value: unknown }).value).toEqual({
        forWrite: { ...u, email: 'early@x.io' },
        locked: [[u.id, 'OWNER', null, 'early@x.io']],
        committedUser: null,
        committedMembers: [],
        committedProject: null,
      });
      // Committed now.
      expect(await store.users.getByEmail('early@x.io')).toEqual({ ...u, email: 'early@x.io' });
    });

    it('a later unit does not see what a failed earlier unit wrote, but sees the units before it', async () => {
      const { store } = ctx();
      const kept = user('kept@x.io');
      const lost = user('lost@x.io');
      const out = await store.commitBatch([
        { work: (tx) => tx.users.insert(kept), audit: [], access: [] },
        {
          work: async (tx) => {
            await tx.users.insert(lost);
            const seen = await tx.users.getByEmail('lost@x.io');
            throw new Error(`rolled back after seeing ${seen?.email}`);
          },
          audit: [auditDraft()],
          access: [],
        },
        { work: async (tx) => [(await tx.users.getByEmail('lost@x.io'))?.email ?? null, (await tx.users.getByEmail('kept@x.io'))?.email ?? null], audit: [], access: [] },
      ]);
      expect(out[1]?.ok).toBe(false);
      expect(String((out[1] as { error: unknown }).error)).toContain('rolled back after seeing lost@x.io');
      expect(out[2]).toEqual({ ok: true, value: [null, 'kept@x.io'] });
      expect((await store.users.list()).map((x) => x.email)).toEqual(['kept@x.io']);
      expect(await store.auditLog.lastSeq()).toBe(0);
    });
  });
}
