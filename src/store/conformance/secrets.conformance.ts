import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreTx } from '../ports.js';
import type { Unit } from '../types.js';
import { T0, commitWork, environment, project, type GetContext } from './fixtures.js';

const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

/** SecretPort / SecretsTx: versions that keep counting, tombstones, reading a version, live lists. */
export function secretsConformance(ctx: GetContext): void {
  describe('secrets', () => {
    async function setup() {
      const { store } = ctx();
      const p = project('s');
      const dev = environment(p, 'dev');
      const prod = environment(p, 'prod');
      await commitWork(store, async (tx) => {
        await tx.projects.insert(p);
        await tx.projects.insertEnvironment(dev);
        await tx.projects.insertEnvironment(prod);
      });
      const put = (env: string, key: string, when: number, by: string | null, tag = '') => (tx: StoreTx) =>
        tx.secrets.put(env, key, (v) => Buffer.from(`${key}${tag}-v${v}`), at(when), by);
      const del = (env: string, key: string, when: number, by: string | null) => (tx: StoreTx) => tx.secrets.delete(env, key, at(when), by);
      return { store, dev, prod, put, del };
    }

    it('secret versions keep counting across a delete and ciphertexts are bound to their version', async () => {
      const { store } = ctx();
      const p = { id: randomUUID(), slug: 's', name: 'S', wrappedKey: Buffer.from([0]), createdAt: T0 };
      const e = { id: randomUUID(), projectId: p.id, slug: 'dev', name: 'Dev', createdAt: T0, restricted: false };
      const put = (key: string) => ({
        work: (tx: Parameters<NonNullable<Unit['work']>>[0]) => tx.secrets.put(e.id, key, (v) => Buffer.from(`${key}-v${v}`), T0, 'me'),
        audit: [],
        access: [],
      });
      await store.commitBatch([{ work: async (tx) => { await tx.projects.insert(p); await tx.projects.insertEnvironment(e); }, audit: [], access: [] }]);
      const r = await store.commitBatch([put('B'), put('A'), put('A')]);
      expect(r.map((x) => (x as { value: unknown }).value)).toEqual([{ version: 1, created: true }, { version: 1, created: true }, { version: 2, created: false }]);
      const del = await store.commitBatch([
        { work: async (tx) => [await tx.secrets.delete(e.id, 'A', T0, 'me'), await tx.secrets.delete(e.id, 'A', T0, 'me'), await tx.secrets.delete(e.id, 'Z', T0, 'me')], audit: [], access: [] },
      ]);
      expect(del[0]).toEqual({ ok: true, value: [2, null, null] });
      expect((await store.secrets.get(e.id, 'A'))?.deleted).toBe(true);
      expect((await store.secrets.list(e.id)).map((s) => s.key)).toEqual(['B']);
      const again = await store.commitBatch([put('A')]);
      expect(again[0]).toEqual({ ok: true, value: { version: 4, created: true } });
      const a = await store.secrets.get(e.id, 'A');
      expect(a).toMatchObject({ key: 'A', version: 4, deleted: false, updatedAt: T0, updatedBy: 'me' });
      expect(a?.ciphertext?.toString()).toBe('A-v4');
      expect(await store.secrets.get(e.id, 'nope')).toBeNull();
      // Every version stays readable by number; the deletion is a tombstone without ciphertext.
      expect((await store.secrets.get(e.id, 'A', 1))?.ciphertext?.toString()).toBe('A-v1');
      expect(await store.secrets.get(e.id, 'A', 3)).toMatchObject({ version: 3, deleted: true, ciphertext: null });
      expect(await store.secrets.get(e.id, 'A', 9)).toBeNull();
      expect((await store.secrets.listVersions(e.id, 'A')).map((v) => [v.version, v.deleted, v.createdBy, v.createdAt])).toEqual([
        [4, false, 'me', T0], [3, true, 'me', T0], [2, false, 'me', T0], [1, false, 'me', T0],
      ]);
      expect(await store.secrets.listVersions(e.id, 'nope')).toEqual([]);
    });

    it('the environment stamp sums every key\'s current version (deleted ones too) and names the last write', async () => {
      const { store, dev, prod, put, del } = await setup();
      expect(await store.secrets.stamp(dev.id)).toEqual({ version: 0, lastModified: null });
      await commitWork(store, put(dev.id, 'A', 1, 'me'));
      await commitWork(store, put(dev.id, 'B', 2, 'me'));
      await commitWork(store, put(dev.id, 'A', 3, 'me'));
      expect(await store.secrets.stamp(dev.id)).toEqual({ version: 3, lastModified: at(3) });
      await commitWork(store, del(dev.id, 'B', 4, 'me'));
      expect(await store.secrets.stamp(dev.id)).toEqual({ version: 4, lastModified: at(4) });
      await commitWork(store, put(prod.id, 'A', 9, 'me'));
      expect(await store.secrets.stamp(dev.id)).toEqual({ version: 4, lastModified: at(4) });
      expect(await store.secrets.stamp(prod.id)).toEqual({ version: 1, lastModified: at(9) });
    });

    it('get with a version returns that version with its own ciphertext, time and author; a tombstone for a deletion; null when absent', async () => {
      const { store, dev, prod, put, del } = await setup();
      await commitWork(store, put(dev.id, 'K', 1, 'alice'));
      await commitWork(store, put(dev.id, 'K', 2, 'bob'));
      await commitWork(store, del(dev.id, 'K', 3, null));
      await commitWork(store, put(dev.id, 'K', 4, 'carol'));
      await commitWork(store, put(prod.id, 'K', 5, 'dave', '@prod'));
      const current = await store.secrets.get(dev.id, 'K');
      expect(current).toMatchObject({ environmentId: dev.id, key: 'K', version: 4, deleted: false, updatedAt: at(4), updatedBy: 'carol' });
      expect(current?.ciphertext?.toString()).toBe('K-v4');
      const v1 = await store.secrets.get(dev.id, 'K', 1);
      expect(v1).toMatchObject({ id: current?.id, environmentId: dev.id, key: 'K', version: 1, deleted: false, updatedAt: at(1), updatedBy: 'alice' });
      expect(v1?.ciphertext?.toString()).toBe('K-v1');
      const v2 = await store.secrets.get(dev.id, 'K', 2);
      expect(v2).toMatchObject({ version: 2, deleted: false, updatedAt: at(2), updatedBy: 'bob' });
      expect(v2?.ciphertext?.toString()).toBe('K-v2');
      expect(await store.secrets.get(dev.id, 'K', 3)).toEqual({
        id: current?.id, environmentId: dev.id, key: 'K', version: 3, ciphertext: null, updatedAt: at(3), updatedBy: null, deleted: true,
      });
      expect((await store.secrets.get(dev.id, 'K', 4))?.ciphertext?.toString()).toBe('K-v4');
      // Versions belong to their environment's secret.
      expect((await store.secrets.get(prod.id, 'K', 1))?.ciphertext?.toString()).toBe('K@prod-v1');
      expect(await store.secrets.get(prod.id, 'K', 2)).toBeNull();
      expect(await store.secrets.get(dev.id, 'K', 0)).toBeNull();
      expect(await store.secrets.get(dev.id, 'K', 5)).toBeNull();
      expect(await store.secrets.get(dev.id, 'missing', 1)).toBeNull();
      // A deleted secret's current row: deleted, no ciphertext, the deletion's time and author.
      await commitWork(store, del(dev.id, 'K', 6, 'erin'));
      expect(await store.secrets.get(dev.id, 'K')).toMatchObject({ key: 'K', deleted: true, ciphertext: null, updatedAt: at(6), updatedBy: 'erin' });
    });

    it('listVersions lists every version newest first, deletion tombstones included, for one key of one environment', async () => {
      const { store, dev, prod, put, del } = await setup();
      expect(await store.secrets.listVersions(dev.id, 'K')).toEqual([]);
      await commitWork(store, put(dev.id, 'K', 1, 'alice'));
      expect(await store.secrets.listVersions(dev.id, 'K')).toEqual([{ version: 1, createdAt: at(1), createdBy: 'alice', deleted: false }]);
      await commitWork(store, async (tx) => {
        await put(dev.id, 'K', 2, 'bob')(tx);
        await del(dev.id, 'K', 3, null)(tx);
        await put(dev.id, 'K', 4, 'carol')(tx);
        await del(dev.id, 'K', 5, 'carol')(tx);
        await put(dev.id, 'OTHER', 6, 'x')(tx);
        await put(prod.id, 'K', 7, 'y')(tx);
      });
      expect(await store.secrets.listVersions(dev.id, 'K')).toEqual([
        { version: 5, createdAt: at(5), createdBy: 'carol', deleted: true },
        { version: 4, createdAt: at(4), createdBy: 'carol', deleted: false },
        { version: 3, createdAt: at(3), createdBy: null, deleted: true },
        { version: 2, createdAt: at(2), createdBy: 'bob', deleted: false },
        { version: 1, createdAt: at(1), createdBy: 'alice', deleted: false },
      ]);
      expect(await store.secrets.listVersions(prod.id, 'K')).toEqual([{ version: 1, createdAt: at(7), createdBy: 'y', deleted: false }]);
      expect(await store.secrets.listVersions(dev.id, 'k')).toEqual([]);
    });

    it('list returns the live secrets of one environment by key, with their current version, without deleted ones', async () => {
      const { store, dev, prod, put, del } = await setup();
      expect(await store.secrets.list(dev.id)).toEqual([]);
      await commitWork(store, async (tx) => {
        for (const [i, k] of ['b', 'B', '_X', 'A', 'GONE', 'BACK'].entries()) await put(dev.id, k, i, 'me')(tx);
        await put(prod.id, 'PROD_ONLY', 9, 'me')(tx);
        await put(dev.id, 'A', 10, 'you')(tx);
        await del(dev.id, 'GONE', 11, 'me')(tx);
        await del(dev.id, 'BACK', 12, 'me')(tx);
        await put(dev.id, 'BACK', 13, 'me')(tx);
      });
      const live = await store.secrets.list(dev.id);
      expect(live.map((s) => s.key)).toEqual(['A', 'B', 'BACK', '_X', 'b']);
      expect(live.every((s) => !s.deleted && s.environmentId === dev.id)).toBe(true);
      expect(live.map((s) => [s.key, s.version, s.ciphertext?.toString(), s.updatedBy])).toEqual([
        ['A', 2, 'A-v2', 'you'], ['B', 1, 'B-v1', 'me'], ['BACK', 3, 'BACK-v3', 'me'], ['_X', 1, '_X-v1', 'me'], ['b', 1, 'b-v1', 'me'],
      ]);
      // Each listed row is what get returns for that key.
      for (const s of live) expect(await store.secrets.get(dev.id, s.key)).toEqual(s);
      expect((await store.secrets.list(prod.id)).map((s) => s.key)).toEqual(['PROD_ONLY']);
      await commitWork(store, async (tx) => {
        for (const s of live) await del(dev.id, s.key, 20, 'me')(tx);
      });
      expect(await store.secrets.list(dev.id)).toEqual([]);
      expect((await store.secrets.list(prod.id)).map((s) => s.key)).toEqual(['PROD_ONLY']);
    });
  });
}
