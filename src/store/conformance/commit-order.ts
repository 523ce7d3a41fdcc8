import { describe, expect, it } from 'vitest';
import type { AccessEntry, AuditEntry } from '../../contract/entries.js';
import type { LogPort } from '../ports.js';
import type { AccessDraft, AuditDraft, Store, Unit } from '../types.js';
import { accessDraft, auditDraft, between, prng, type GetContext } from './fixtures.js';

export type LogName = 'auditLog' | 'accessLog';
type Entry = AuditEntry | AccessEntry;

const logOf = (store: Store, log: LogName) => store[log] as unknown as LogPort<unknown, Entry>;
const seqs = (xs: readonly { seq: number }[]) => xs.map((e) => e.seq);
const upTo = (n: number, from = 1) => Array.from({ length: Math.max(0, n - from + 1) }, (_, i) => from + i);

async function collect<E>(it: AsyncIterable<E>): Promise<E[]> {
  const out: E[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/**
 * A unit with `n` rows on `log` and `other` rows on the other log (whose seq counts on its own).
 */
function rows(log: LogName, n: number, other = 1): Pick<Unit, 'audit' | 'access'> {
  const mine = (k: number) => Array.from({ length: k }, () => (log === 'auditLog' ? auditDraft() : accessDraft()));
  const theirs = (k: number) => Array.from({ length: k }, () => (log === 'auditLog' ? accessDraft() : auditDraft()));
  return log === 'auditLog'
    ? { audit: mine(n) as AuditDraft[], access: theirs(other) as AccessDraft[] }
    : { audit: theirs(other) as AuditDraft[], access: mine(n) as AccessDraft[] };
}

/** Commits one batch per count, each a single log-only unit with that many rows on `log`. */
async function fill(store: Store, log: LogName, counts: readonly number[]): Promise<void> {
  for (const n of counts) {
    const [out] = await store.commitBatch([rows(log, n)]);
    expect(out?.ok).toBe(true);
  }
}

/**
 * Reading one log in commit order (readAfter, range, lastSeq): what workers (export, verification,
 * forwarding) rely on. Registered by both log conformance files.
 */
export function commitOrderConformance(ctx: GetContext, log: LogName): void {
  describe('reading in commit order', () => {
    it('lastSeq is 0 on an empty log, then the highest committed seq, counted apart from the other log', async () => {
      const { store } = ctx();
      const L = logOf(store, log);
      expect(await L.lastSeq()).toBe(0);
      await fill(store, log, [2, 3]);
      expect(await L.lastSeq()).toBe(5);
      // The other log's rows, a failed unit's rows and a row-less unit take no seq of this log.
      const other: LogName = log === 'auditLog' ? 'accessLog' : 'auditLog';
      const out = await store.commitBatch([
        rows(other, 4, 0),
        { work: async () => Promise.reject(new Error('no')), ...rows(log, 3) },
        { work: async () => 'nothing', audit: [], access: [] },
      ]);
      expect(out.map((o) => o.ok)).toEqual([true, false, true]);
      expect(await L.lastSeq()).toBe(5);
      expect(await logOf(store, other).lastSeq()).toBe(2 + 4);
      await fill(store, log, [1]);
      expect(await L.lastSeq()).toBe(6);
    });

    it('lastSeq keeps the highest seq ever committed when retention has removed every row', async () => {
      const { store } = ctx();
      const L = logOf(store, log);
      await fill(store, log, [3, 2]);
      expect(await L.purge('2999-01-01T00:00:00.000Z', 500)).toBe(5);
      expect(await L.readAfter(0, 10)).toEqual([]);
      expect(await L.lastSeq()).toBe(5);
      await fill(store, log, [1]);
      expect(seqs(await L.readAfter(0, 10))).toEqual([6]);
      expect(await L.lastSeq()).toBe(6);
    });

    it('readAfter returns the entries after a seq in ascending commit order, at most limit of them', async () => {
      const { store } = ctx();
      const L = logOf(store, log);
      expect(await L.readAfter(0, 10)).toEqual([]);
      await fill(store, log, [1, 7, 4, 11]);
      const all = await L.readAfter(0, 1000);
      expect(seqs(all)).toEqual(upTo(23));
      // The same entries the newest-first query returns, in the opposite order.
      expect(all).toEqual([...(await L.query({}, 1000))].reverse());
      expect(seqs(await L.readAfter(0, 1))).toEqual([1]);
      expect(seqs(await L.readAfter(5, 4))).toEqual([6, 7, 8, 9]);
      expect(seqs(await L.readAfter(8, 7))).toEqual(upTo(15, 9));
      expect(seqs(await L.readAfter(20, 10))).toEqual([21, 22, 23]);
      expect(seqs(await L.readAfter(22, 1))).toEqual([23]);
      expect(await L.readAfter(23, 5)).toEqual([]);
      expect(await L.readAfter(100, 5)).toEqual([]);
      for (let after = 0; after <= 23; after += 3) {
        for (const limit of [1, 2, 3, 7, 30]) {
          expect(seqs(await L.readAfter(after, limit)), `readAfter(${after}, ${limit})`).toEqual(upTo(Math.min(23, after + limit), after + 1));
        }
      }
    });

    it('range(after, through, pageSize) yields exactly (after, through] in order, across page boundaries', async () => {
      const { store } = ctx();
      const L = logOf(store, log);
      expect(await collect(L.range(0))).toEqual([]);
      expect(await collect(L.range(0, 10, 3))).toEqual([]);
      await fill(store, log, [3, 5, 1, 8, 3]);
      const all = await L.readAfter(0, 1000);
      expect(seqs(all)).toEqual(upTo(20));
      for (const pageSize of [1, 3, 4, 1000]) {
        for (const after of [0, 2, 3, 6, 19, 20, 25]) {
          for (const through of [undefined, 0, 2, 3, 4, 6, 7, 19, 20, 30]) {
            const expected = all.filter((e) => e.seq > after && (through === undefined || e.seq <= through));
            expect(await collect(L.range(after, through, pageSize)), `range(${after}, ${through}, ${pageSize})`).toEqual(expected);
          }
        }
      }
      // The default page size.
      expect(await collect(L.range(4))).toEqual(all.slice(4));
      expect(await collect(L.range(4, 9))).toEqual(all.slice(4, 9));
    });

    it('range pulls its pages lazily: it can stop early, and an open end reads up to what is committed when each page is read', async () => {
      const { store } = ctx();
      const L = logOf(store, log);
      await fill(store, log, [7]);

      // Breaking early ends the iteration cleanly; nothing is held (the store keeps working).
      const firstTwo: number[] = [];
      for await (const e of L.range(0, undefined, 3)) {
        firstTwo.push(e.seq);
        if (firstTwo.length === 2) break;
      }
      expect(firstTwo).toEqual([1, 2]);

      // Open end: after the first page has been consumed, rows committed meanwhile are still reached,
      // so the pages are read one at a time, on demand (an iterator that read ahead would stop at 7).
      const open = L.range(0, undefined, 3)[Symbol.asyncIterator]();
      const head: number[] = [];
      for (let i = 0; i < 3; i++) head.push(((await open.next()).value as Entry).seq);
      expect(head).toEqual([1, 2, 3]);
      await fill(store, log, [2, 3]);
      const rest: number[] = [];
      for (let r = await open.next(); !r.done; r = await open.next()) rest.push(r.value.seq);
      expect(rest).toEqual(upTo(12, 4));
      // Finished at the last committed row: a later commit does not revive it.
      await fill(store, log, [1]);
      expect((await open.next()).done).toBe(true);

      // A bounded range stops at its end even though more is committed while it runs.
      const bounded = L.range(2, 9, 3)[Symbol.asyncIterator]();
      expect(((await bounded.next()).value as Entry).seq).toBe(3);
      await fill(store, log, [5]);
      const got = [3];
      for (let r = await bounded.next(); !r.done; r = await bounded.next()) got.push(r.value.seq);
      expect(got).toEqual(upTo(9, 3));

      // An open end with the last page exactly full stops at the last committed row (18 = 6 pages of 3).
      expect(await L.lastSeq()).toBe(18);
      expect(seqs(await collect(L.range(0, undefined, 3)))).toEqual(upTo(18));
      expect(seqs(await collect(L.range(12, undefined, 3)))).toEqual(upTo(18, 13));
      expect(await collect(L.range(18, undefined, 3))).toEqual([]);
    });

    it('a range over many pages returns every row once, in order, with a small page size', async () => {
      const { store } = ctx();
      const L = logOf(store, log);
      await store.commitBatch(Array.from({ length: 30 }, () => rows(log, 10)));
      let expected = 0;
      for await (const e of L.range(0, undefined, 7)) {
        expect(e.seq).toBe(++expected);
      }
      expect(expected).toBe(300);
      expected = 100;
      for await (const e of L.range(100, 251, 7)) expect(e.seq).toBe(++expected);
      expect(expected).toBe(251);
    });

    it('a reader following the log with readAfter while batches commit sees every seq exactly once, in commit order', async () => {
      const { store } = ctx();
      const L = logOf(store, log);
      const r = prng(log === 'auditLog' ? 31 : 37);
      const committedIds: string[] = [];
      let done = false;
      let writerError: unknown;

      const writer = (async () => {
        try {
          for (let b = 0; b < 50; b++) {
            let nAudit = between(r, 1, 20);
            let nAccess = between(r, 1, 20);
            const units: Unit[] = [];
            while (nAudit > 0 || nAccess > 0) {
              const a = Math.min(nAudit, between(r, 0, 6));
              const c = Math.min(nAccess, between(r, 0, 6));
              nAudit -= a;
              nAccess -= c;
              const unitRows = { audit: Array.from({ length: a }, () => auditDraft()), access: Array.from({ length: c }, () => accessDraft()) };
              const kind = r();
              if (kind < 0.1) {
                // A failing unit: its rows get no seq, the rest of the batch commits without a gap.
                units.push({ work: async () => Promise.reject(new Error('unit failed')), ...unitRows });
              } else if (kind < 0.4) {
                units.push({ work: (tx) => tx.settings.set('batch', String(b)), ...unitRows });
              } else {
                units.push(unitRows);
              }
            }
            const out = await store.commitBatch(units);
            out.forEach((o, i) => {
              const u = units[i] as Unit;
              const mine: readonly { id: string }[] = log === 'auditLog' ? u.audit : u.access;
              if (o.ok) committedIds.push(...mine.map((e) => e.id));
            });
            if (b % 4 === 0) await new Promise((res) => setImmediate(res));
          }
        } catch (e) {
          writerError = e;
        } finally {
          done = true;
        }
      })();

      const seen: Entry[] = [];
      let cursor = 0;
      let pages = 0;
      let readWhileWriting = 0;
      const reader = (async () => {
        for (let i = 0; i < 100_000; i++) {
          const finished = done;
          const page = await L.readAfter(cursor, 7);
          expect(page.length).toBeLessThanOrEqual(7);
          pages++;
          seen.push(...page);
          if (!finished) readWhileWriting += page.length;
          if (page.length > 0) cursor = (page[page.length - 1] as Entry).seq;
          else if (finished) return;
          else await new Promise((res) => setImmediate(res));
        }
      })();

      const [w, rd] = await Promise.allSettled([writer, reader]);
      expect(writerError).toBeUndefined();
      expect(w.status).toBe('fulfilled');
      if (rd.status === 'rejected') throw rd.reason;
      const n = committedIds.length;
      expect(n).toBeGreaterThan(50);
      expect(seqs(seen)).toEqual(upTo(n));
      expect(seen.map((e) => e.id)).toEqual(committedIds);
      expect(pages).toBeGreaterThan(n / 7);
      // The reader really ran alongside the commits (not only after them).
      expect(readWhileWriting).toBeGreaterThan(0);
      expect(await L.lastSeq()).toBe(n);
    });
  });
}
