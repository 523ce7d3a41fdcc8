import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreTx } from '../ports.js';
import { T0, type GetContext } from './fixtures.js';

/** ProjectPort / ProjectsTx: projects and their environments. */
export function projectsConformance(ctx: GetContext): void {
  describe('projects', () => {
    it('projects and environments are written and listed in a stable order', async () => {
      const { store } = ctx();
      const p = { id: randomUUID(), slug: 'a-b', name: 'AB', wrappedKey: Buffer.from([1, 2, 3]), createdAt: T0 };
      const p2 = { ...p, id: randomUUID(), slug: 'ab' };
      const e = { id: randomUUID(), projectId: p.id, slug: 'prod', name: 'Prod', createdAt: T0, restricted: false };
      const e2 = { id: randomUUID(), projectId: p.id, slug: 'dev', name: 'Dev', createdAt: T0, restricted: true };
      const out = await store.commitBatch([
        {
          work: async (tx) => {
            await tx.projects.insert(p2);
            await tx.projects.insert(p);
            await tx.projects.insertEnvironment(e);
            await tx.projects.insertEnvironment(e2);
          },
          audit: [],
          access: [],
        },
      ]);
      expect(out[0]?.ok).toBe(true);
      expect((await store.projects.list()).map((x) => x.slug)).toEqual(['a-b', 'ab']);
      expect(await store.projects.getBySlug('a-b')).toEqual(p);
      expect(await store.projects.getBySlug('nope')).toBeNull();
      expect(await store.projects.getById(p.id)).toEqual(p);
      expect(await store.projects.getById('nope')).toBeNull();
      expect(await store.projects.getEnvironment(p.id, 'prod')).toEqual(e);
      expect(await store.projects.getEnvironment(p2.id, 'prod')).toBeNull();
      expect(await store.projects.getEnvironmentById(e.id)).toEqual(e);
      expect(await store.projects.getEnvironmentById('nope')).toBeNull();
      expect(await store.projects.listEnvironments(p.id)).toEqual([e2, e]);
      expect(await store.projects.listEnvironments(p2.id)).toEqual([]);
    });

    it('an environment is restricted and lifted in a unit; setting what it already is changes nothing', async () => {
      const { store } = ctx();
      const p = { id: randomUUID(), slug: 'r', name: 'R', wrappedKey: Buffer.from([1]), createdAt: T0 };
      const e = { id: randomUUID(), projectId: p.id, slug: 'prod', name: 'Prod', createdAt: T0, restricted: false };
      const run = async (work: (tx: StoreTx) => Promise<unknown>) => {
        const [o] = await store.commitBatch([{ work, audit: [], access: [] }]);
        expect(o?.ok).toBe(true);
        return (o as { value: unknown }).value;
      };
      await run(async (tx) => { await tx.projects.insert(p); await tx.projects.insertEnvironment(e); });
      expect(await run((tx) => tx.projects.setRestricted(e.id, true))).toBe(true);
      expect((await store.projects.getEnvironmentById(e.id))?.restricted).toBe(true);
      expect(await run((tx) => tx.projects.setRestricted(e.id, true))).toBe(false);
      expect(await run((tx) => tx.projects.setRestricted(e.id, false))).toBe(true);
      expect((await store.projects.getEnvironment(p.id, 'prod'))?.restricted).toBe(false);
      expect(await run((tx) => tx.projects.setRestricted('nope', true))).toBe(false);
    });
  });
}
