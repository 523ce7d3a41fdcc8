import { describe, expect, it } from 'vitest';
import type { AuditFilter } from '../types.js';
import { commitOrderConformance } from './commit-order.js';
import { accessDraft, auditDraft, pick, prng, type GetContext } from './fixtures.js';
import { EVENTS, OUTCOMES, day, matchAudit, randomBase, seed } from './log-oracle.js';

/** AuditLogPort: queries against an in-memory oracle, keyset paging, histogram, purge, partitions, commit order. */
export function auditLogConformance(ctx: GetContext): void {
  describe('auditLog', () => {
    it('audit rows round-trip exactly: ISO timestamps with milliseconds, details, actor and every column', async () => {
      const { store } = ctx();
      const a = auditDraft({ reason: 'insufficient_role', outcome: 'Denied', details: { list: [1, 'two'], n: null } });
      await store.commitBatch([{ audit: [a], access: [] }]);
      expect(await store.auditLog.query({}, 1)).toEqual([{ ...a, seq: 1 }]);
    });

    it('audit queries agree with the reference semantics for every filter and hundreds of combinations', async () => {
      const { store } = ctx();
      const { audit } = await seed(store);
      expect(audit.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i));
      const r = prng(11);
      for (let i = 0; i < 300; i++) {
        const f: AuditFilter = {
          ...randomBase(r),
          ...(r() < 0.3 ? { events: EVENTS.filter(() => r() < 0.5) } : {}),
          ...(r() < 0.3 ? { outcome: pick(r, OUTCOMES) } : {}),
          ...(r() < 0.3 ? { resource: pick(r, ['A', 'B']) } : {}),
        };
        const limit = 1 + Math.floor(r() * 70);
        const expected = audit.filter((e) => matchAudit(f, e)).slice(0, limit);
        expect(await store.auditLog.query(f, limit), JSON.stringify(f)).toEqual(expected);
      }
    });

    it('the audit histogram and oldest timestamp agree with counting the matching entries', async () => {
      const { store } = ctx();
      const { audit } = await seed(store);
      const r = prng(23);
      for (let i = 0; i < 60; i++) {
        const f: AuditFilter = { ...randomBase(r), ...(r() < 0.3 ? { outcome: pick(r, OUTCOMES) } : {}) };
        const matching = audit.filter((e) => matchAudit(f, e));
        const from = day(0);
        const bucketMs = pick(r, [3_600_000, 86_400_000, 7 * 86_400_000]);
        const expected = new Map<string, number>();
        for (const e of matching) {
          const key = `${Math.floor((Date.parse(e.timestamp) - Date.parse(from)) / bucketMs)}/${e.outcome}`;
          expected.set(key, (expected.get(key) ?? 0) + 1);
        }
        const got = new Map((await store.auditLog.histogram(f, bucketMs, from)).map((c) => [`${c.bucket}/${c.outcome}`, c.count]));
        expect(got, JSON.stringify(f)).toEqual(expected);
        const oldest = matching.length ? matching.map((e) => e.timestamp).sort()[0] : null;
        expect(await store.auditLog.oldest(f), JSON.stringify(f)).toBe(oldest);
      }
    });

    it('keyset paging with beforeSeq walks a filtered log newest first without gaps or repeats', async () => {
      const { store } = ctx();
      const { audit } = await seed(store);
      const f: AuditFilter = { projectIn: ['alpha'], includeInstance: true };
      const seen: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await store.auditLog.query({ ...f, beforeSeq: before }, 7);
        if (page.length === 0) break;
        seen.push(...page.map((e) => e.seq));
        before = page[page.length - 1]?.seq;
      }
      expect(seen).toEqual(audit.filter((e) => matchAudit(f, e)).map((e) => e.seq));
    });

    it('purge removes only entries older than the cut-off, in batches, and seq never restarts', async () => {
      const { store } = ctx();
      const { audit, access } = await seed(store);
      const cutoff = day(25);
      const oldAudit = audit.filter((e) => e.timestamp < cutoff).length;
      expect(await store.auditLog.purge(cutoff, 4)).toBe(oldAudit);
      expect(await store.auditLog.query({}, 1000)).toEqual(audit.filter((e) => e.timestamp >= cutoff));
      // Purging one log leaves the other alone.
      expect(await store.accessLog.query({}, 1000)).toEqual(access);
      expect(await store.auditLog.purge(cutoff, 4)).toBe(0);
      expect(await store.auditLog.purge('2100-01-01T00:00:00.000Z', 10)).toBe(audit.length - oldAudit);
      await store.commitBatch([{ audit: [auditDraft()], access: [] }]);
      expect((await store.auditLog.query({}, 10)).map((e) => e.seq)).toEqual([61]);
    });

    it('rows with timestamps far outside the prepared months still commit, and preparing partitions again keeps them', async () => {
      const { store } = ctx();
      await store.ensurePartitions(new Date().toISOString());
      const far = ['1999-12-31T23:59:59.999Z', '2099-06-01T00:00:00.000Z', new Date().toISOString()];
      const out = await store.commitBatch([{ audit: far.map((timestamp) => auditDraft({ timestamp })), access: [accessDraft({ timestamp: far[0] })] }]);
      expect(out[0]?.ok).toBe(true);
      await store.ensurePartitions('2099-05-20T00:00:00.000Z');
      await store.ensurePartitions('2099-05-20T00:00:00.000Z');
      expect((await store.auditLog.query({}, 10)).map((e) => e.timestamp).sort()).toEqual([...far].sort());
      expect(await store.auditLog.query({ since: '2099-01-01T00:00:00.000Z' }, 10)).toHaveLength(1);
    });

    commitOrderConformance(ctx, 'auditLog');
  });
}
