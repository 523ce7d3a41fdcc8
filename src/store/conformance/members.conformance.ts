import { describe, expect, it } from 'vitest';
import type { MemberRow } from '../types.js';
import { commitWork, environment, project, user, type GetContext } from './fixtures.js';

/** A membership as a comparable tuple, and a list of them in a fixed order (lockProject promises no order). */
const tuple = (m: MemberRow) => [m.environmentId ?? '', m.email, m.role, m.userId, m.name] as const;
const sorted = (ms: readonly MemberRow[]) => ms.map(tuple).sort((a, b) => (a.join('\u0000') < b.join('\u0000') ? -1 : 1));

/** MemberPort / MembersTx: project and environment memberships, the project lock, previous roles. */
export function membersConformance(ctx: GetContext): void {
  describe('members', () => {
    /** A project with two environments, another project, and three users; nothing else. */
    async function setup() {
      const { store } = ctx();
      const p = project('p');
      const other = project('other');
      const prod = environment(p, 'prod');
      const dev = environment(p, 'dev');
      const otherEnv = environment(other, 'prod');
      const [alice, bob, carol] = [user('alice@x.io'), user('bob@x.io'), user('carol@x.io')];
      await commitWork(store, async (tx) => {
        for (const u of [alice, bob, carol]) await tx.users.insert(u);
        for (const x of [p, other]) await tx.projects.insert(x);
        for (const e of [prod, dev, otherEnv]) await tx.projects.insertEnvironment(e);
      });
      return { store, p, other, prod, dev, otherEnv, alice, bob, carol };
    }

    it('memberships are written and listed in a stable order; a removed one is gone', async () => {
      const { store } = ctx();
      const u = user('m@x.io');
      const p = project('a-b');
      const e = environment(p, 'prod');
      const out = await store.commitBatch([
        {
          work: async (tx) => {
            await tx.users.insert(u);
            await tx.projects.insert(p);
            await tx.projects.insertEnvironment(e);
            const first = await tx.members.upsert(p.id, null, u.id, 'MEMBER');
            const again = await tx.members.upsert(p.id, null, u.id, 'OWNER');
            await tx.members.upsert(p.id, e.id, u.id, 'CONSUMER');
            return [first, again];
          },
          audit: [],
          access: [],
        },
      ]);
      expect(out[0]).toEqual({ ok: true, value: [null, 'MEMBER'] });
      const members = await store.members.listOfProject(p.id);
      expect(members.map((m) => [m.environmentId, m.role, m.email])).toEqual([[null, 'OWNER', 'm@x.io'], [e.id, 'CONSUMER', 'm@x.io']]);
      expect((await store.members.listOfUser(u.id)).every((m) => m.projectId === p.id)).toBe(true);
      const del = await commitWork(store, async (tx) => [await tx.members.delete(p.id, e.id, u.id), await tx.members.delete(p.id, e.id, u.id)]);
      expect(del).toEqual(['CONSUMER', null]);
      expect(await store.members.listOfProject(p.id)).toHaveLength(1);
    });

    it('listOfUser returns every membership of a user across projects, with its project', async () => {
      const { store, p, other, prod, otherEnv, alice, bob } = await setup();
      await commitWork(store, async (tx) => {
        await tx.members.upsert(p.id, null, alice.id, 'OWNER');
        await tx.members.upsert(p.id, prod.id, alice.id, 'ENVIRONMENT_OWNER');
        await tx.members.upsert(other.id, otherEnv.id, alice.id, 'CONSUMER');
        await tx.members.upsert(other.id, null, bob.id, 'OWNER');
      });
      const mine = (await store.members.listOfUser(alice.id)).map((m) => [m.projectId, m.environmentId, m.role, m.email]);
      expect(mine.sort((a, b) => String(a).localeCompare(String(b)))).toEqual(
        [[p.id, null, 'OWNER', 'alice@x.io'], [p.id, prod.id, 'ENVIRONMENT_OWNER', 'alice@x.io'], [other.id, otherEnv.id, 'CONSUMER', 'alice@x.io']].sort((a, b) =>
          String(a).localeCompare(String(b)),
        ),
      );
      expect(await store.members.listOfUser('nobody')).toEqual([]);
    });

    it('tx.members.lockProject returns every membership of the project, project and environment ones, and no other project’s', async () => {
      const { store, p, other, prod, dev, otherEnv, alice, bob, carol } = await setup();
      expect(await commitWork(store, (tx) => tx.members.lockProject(p.id))).toEqual([]);
      await commitWork(store, async (tx) => {
        await tx.members.upsert(p.id, null, alice.id, 'OWNER');
        await tx.members.upsert(p.id, null, bob.id, 'MEMBER');
        await tx.members.upsert(p.id, prod.id, bob.id, 'ENVIRONMENT_OWNER');
        await tx.members.upsert(p.id, dev.id, carol.id, 'CONSUMER');
        await tx.members.upsert(other.id, null, carol.id, 'OWNER');
        await tx.members.upsert(other.id, otherEnv.id, alice.id, 'CONSUMER');
      });
      const locked = await commitWork(store, (tx) => tx.members.lockProject(p.id));
      expect(sorted(locked)).toEqual(
        sorted([
          { userId: alice.id, email: 'alice@x.io', name: 'alice', role: 'OWNER', environmentId: null },
          { userId: bob.id, email: 'bob@x.io', name: 'bob', role: 'MEMBER', environmentId: null },
          { userId: bob.id, email: 'bob@x.io', name: 'bob', role: 'ENVIRONMENT_OWNER', environmentId: prod.id },
          { userId: carol.id, email: 'carol@x.io', name: 'carol', role: 'CONSUMER', environmentId: dev.id },
        ]),
      );
      // The same memberships the read port lists once committed.
      expect(sorted(locked)).toEqual(sorted(await store.members.listOfProject(p.id)));
      expect(sorted(await commitWork(store, (tx) => tx.members.lockProject(other.id)))).toEqual(sorted(await store.members.listOfProject(other.id)));
      expect(await commitWork(store, (tx) => tx.members.lockProject('no-such-project'))).toEqual([]);
    });

    it('lockProject sees the membership changes made earlier in the same batch, by its own unit and by earlier units', async () => {
      const { store, p, prod, alice, bob, carol } = await setup();
      const view = (ms: readonly MemberRow[]) => sorted(ms).map(([env, email, role]) => `${env || '-'}/${email}/${role}`);
      const out = await store.commitBatch([
        { work: (tx) => tx.members.upsert(p.id, null, alice.id, 'OWNER'), audit: [], access: [] },
        {
          work: async (tx) => {
            await tx.members.upsert(p.id, null, carol.id, 'OWNER');
            throw new Error('rolled back');
          },
          audit: [],
          access: [],
        },
        {
          work: async (tx) => {
            const before = view(await tx.members.lockProject(p.id));
            await tx.members.upsert(p.id, null, bob.id, 'MEMBER');
            await tx.members.upsert(p.id, prod.id, bob.id, 'ENVIRONMENT_OWNER');
            const added = view(await tx.members.lockProject(p.id));
            await tx.members.upsert(p.id, null, alice.id, 'MEMBER');
            await tx.members.delete(p.id, prod.id, bob.id);
            const changed = view(await tx.members.lockProject(p.id));
            return { before, added, changed };
          },
          audit: [],
          access: [],
        },
        { work: async (tx) => view(await tx.members.lockProject(p.id)), audit: [], access: [] },
      ]);
      expect(out.map((o) => o.ok)).toEqual([true, false, true, true]);
      expect((out[2] as { value: unknown }).value).toEqual({
        before: ['-/alice@x.io/OWNER'],
        added: ['-/alice@x.io/OWNER', '-/bob@x.io/MEMBER', `${prod.id}/bob@x.io/ENVIRONMENT_OWNER`],
        changed: ['-/alice@x.io/MEMBER', '-/bob@x.io/MEMBER'],
      });
      expect((out[3] as { value: unknown }).value).toEqual(['-/alice@x.io/MEMBER', '-/bob@x.io/MEMBER']);
      expect(view(await store.members.listOfProject(p.id))).toEqual(['-/alice@x.io/MEMBER', '-/bob@x.io/MEMBER']);
    });

    it('upsert returns the previous role, or null for a new membership; project and environment memberships are apart', async () => {
      const { store, p, other, prod, dev, alice } = await setup();
      const prev = await commitWork(store, async (tx) => [
        await tx.members.upsert(p.id, null, alice.id, 'MEMBER'),
        await tx.members.upsert(p.id, null, alice.id, 'PROJECT_MANAGER'),
        await tx.members.upsert(p.id, null, alice.id, 'PROJECT_MANAGER'),
        await tx.members.upsert(p.id, prod.id, alice.id, 'CONSUMER'),
        await tx.members.upsert(p.id, dev.id, alice.id, 'MEMBER'),
        await tx.members.upsert(other.id, null, alice.id, 'OWNER'),
      ]);
      expect(prev).toEqual([null, 'MEMBER', 'PROJECT_MANAGER', null, null, null]);
      // Across batches too (the previous role is read from committed state).
      expect(await commitWork(store, (tx) => tx.members.upsert(p.id, prod.id, alice.id, 'ENVIRONMENT_OWNER'))).toBe('CONSUMER');
      expect(await commitWork(store, (tx) => tx.members.upsert(p.id, null, alice.id, 'OWNER'))).toBe('PROJECT_MANAGER');
      const roles = (await store.members.listOfProject(p.id)).map((m) => [m.environmentId, m.role]);
      expect(roles.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual(
        [[null, 'OWNER'], [prod.id, 'ENVIRONMENT_OWNER'], [dev.id, 'MEMBER']].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    });

    it('delete returns the removed role, or null when the user was not a member; removing a project membership keeps environment ones', async () => {
      const { store, p, other, prod, alice, bob } = await setup();
      await commitWork(store, async (tx) => {
        await tx.members.upsert(p.id, null, alice.id, 'OWNER');
        await tx.members.upsert(p.id, prod.id, alice.id, 'CONSUMER');
        await tx.members.upsert(other.id, null, alice.id, 'MEMBER');
      });
      const removed = await commitWork(store, async (tx) => [
        await tx.members.delete(p.id, null, bob.id),
        await tx.members.delete(p.id, null, alice.id),
        await tx.members.delete(p.id, null, alice.id),
        await tx.members.delete(p.id, 'no-such-env', alice.id),
        await tx.members.delete('no-such-project', null, alice.id),
      ]);
      expect(removed).toEqual([null, 'OWNER', null, null, null]);
      expect((await store.members.listOfProject(p.id)).map((m) => [m.environmentId, m.role])).toEqual([[prod.id, 'CONSUMER']]);
      expect((await store.members.listOfProject(other.id)).map((m) => [m.environmentId, m.role])).toEqual([[null, 'MEMBER']]);
      expect(await commitWork(store, (tx) => tx.members.delete(p.id, prod.id, alice.id))).toBe('CONSUMER');
      expect(await store.members.listOfProject(p.id)).toEqual([]);
    });
  });
}
