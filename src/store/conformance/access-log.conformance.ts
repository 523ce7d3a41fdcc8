import { describe, expect, it } from 'vitest';
import type { AccessFilter } from '../types.js';
import { commitOrderConformance } from './commit-order.js';
import { accessDraft, auditDraft, pick, prng, type GetContext } from './fixtures.js';
import { day, matchAccess, randomBase, seed } from './log-oracle.js';

/** AccessLogPort: queries against an in-memory oracle, keyset paging, purge, partitions, commit order. */
export function accessLogConformance(ctx: GetContext): void {
  describe('accessLog', () => {
    it('access rows round-trip exactly: ISO timestamps with milliseconds, actor and every column', async () => {
      const { store } = ctx();
      const c = accessDraft({ status: 503, durationMs: 12.34, projectSlug: 'alpha', environmentSlug: 'dev', route: null });
      await store.commitBatch([{ audit: [], access: [c] }]);
      expect(await store.accessLog.query({}, 1)).toEqual([{ ...c, seq: 1 }]);
    });

    it('access queries agree with the reference semantics for every filter and hundreds of combinations', async () => {
      const { store } = ctx();
      const { access } = await seed(store);
      const r = prng(13);
      for (let i = 0; i < 300; i++) {
        const f: AccessFilter = {
          ...randomBase(r),
          ...(r() < 0.3 ? { method: pick(r, ['GET', 'PUT']) } : {}),
          ...(r() < 0.3 ? { status: pick(r, [200, 403, 503]) } : {}),
          ...(r() < 0.3 ? { path: pick(r, ['/a', '/b']) } : {}),
        };
        const limit = 1 + Math.floor(r() * 70);
        expect(await store.accessLog.query(f, limit), JSON.stringify(f)).toEqual(access.filter((e) => matchAccess(f, e)).slice(0, limit));
      }
    });

    it('keyset paging with beforeSeq walks a filtered access log newest first without gaps or repeats', async () => {
      const { store } = ctx();
      const { access } = await seed(store);
      const f: AccessFilter = { projectIn: ['alpha', 'beta'], includeInstance: true, method: 'GET' };
      const seen: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await store.accessLog.query({ ...f, beforeSeq: before }, 4);
        if (page.length === 0) break;
        seen.push(...page.map((e) => e.seq));
        before = page[page.length - 1]?.seq;
      }
      expect(seen.length).toBeGreaterThan(4);
      expect(seen).toEqual(access.filter((e) => matchAccess(f, e)).map((e) => e.seq));
    });

    it('access purge removes only entries older than the cut-off, in batches, and seq never restarts', async () => {
      const { store } = ctx();
      const { audit, access } = await seed(store);
      const cutoff = day(25);
      const oldAccess = access.filter((e) => e.timestamp < cutoff).length;
      expect(await store.accessLog.purge(cutoff, 1000)).toBe(oldAccess);
      expect(await store.accessLog.query({}, 1000)).toEqual(access.filter((e) => e.timestamp >= cutoff));
      // Purging one log leaves the other alone.
      expect(await store.auditLog.query({}, 1000)).toEqual(audit);
      expect(await store.accessLog.purge(cutoff, 3)).toBe(0);
      expect(await store.accessLog.purge('2100-01-01T00:00:00.000Z', 3)).toBe(access.length - oldAccess);
      await store.commitBatch([{ audit: [], access: [accessDraft()] }]);
      expect((await store.accessLog.query({}, 10)).map((e) => e.seq)).toEqual([61]);
    });

    it('access rows with timestamps far outside the prepared months still commit, and preparing partitions again keeps them', async () => {
      const { store } = ctx();
      await store.ensurePartitions(new Date().toISOString());
      const far = ['1999-12-31T23:59:59.999Z', '2099-06-01T00:00:00.000Z', new Date().toISOString()];
      const out = await store.commitBatch([{ audit: [auditDraft({ timestamp: far[1] })], access: far.map((timestamp) => accessDraft({ timestamp })) }]);
      expect(out[0]?.ok).toBe(true);
      await store.ensurePartitions('2099-05-20T00:00:00.000Z');
      await store.ensurePartitions('2099-05-20T00:00:00.000Z');
      expect((await store.accessLog.query({}, 10)).map((e) => e.timestamp).sort()).toEqual([...far].sort());
      expect(await store.accessLog.query({ since: '2099-01-01T00:00:00.000Z' }, 10)).toHaveLength(1);
      expect(await store.accessLog.query({ until: '2000-01-01T00:00:00.000Z' }, 10)).toHaveLength(1);
    });

    commitOrderConformance(ctx, 'accessLog');
  });
}
