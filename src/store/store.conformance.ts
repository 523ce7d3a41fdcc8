import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logConformance } from './store.conformance-logs.js';
import type { AccessDraft, AuditDraft, Store, Unit } from './types.js';
import { UniqueViolationError } from './types.js';

/** A fresh, empty storage location; open() returns a new (not yet migrated) Store on it each call. */
export interface StoreFixture {
  open(): Store;
  cleanup(): Promise<void>;
}

export const T0 = '2026-03-15T10:20:30.123Z';

export function auditDraft(o: Partial<AuditDraft> = {}): AuditDraft {
  return {
    id: randomUUID(), timestamp: T0, event: 'SecretRead',
    actor: { type: 'User', id: 'u-1', email: 'Alice@Example.com', name: 'Alice', ip: '10.0.0.1' },
    projectSlug: 'alpha', environmentSlug: 'prod', resource: 'DB_URL', outcome: 'Success', requestId: randomUUID(),
    userAgent: 'bella-cli/0.1', reason: null, details: { version: 3, nested: { ok: true } }, ...o,
  };
}

export function accessDraft(o: Partial<AccessDraft> = {}): AccessDraft {
  return {
    id: randomUUID(), timestamp: T0, requestId: randomUUID(), method: 'GET', route: '/api/v1/x', path: '/api/v1/x?limit',
    status: 200, durationMs: 1.25, actor: { type: 'Anonymous', id: null, email: null, name: null, ip: '127.0.0.1' },
    userAgent: null, projectSlug: null, environmentSlug: null, ...o,
  };
}

const user = (email: string) => ({ id: randomUUID(), email, name: email.split('@')[0] as string, passwordHash: 'h', admin: false, createdAt: T0 });

/**
 * The one conformance suite every Store adapter passes. `makeFixture` gives each test its own empty
 * database, so tests are independent and seq values start at 1.
 */
export function runStoreConformance(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`Store conformance: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    beforeEach(async () => {
      fx = await makeFixture();
      store = fx.open();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
      await fx.cleanup();
    });
    const ctx = () => ({ store, fx });

    it('migrations are idempotent and several stores may migrate the same database at once', async () => {
      const others = [fx.open(), fx.open(), fx.open()];
      await Promise.all(others.map((s) => s.migrate()));
      await others[0]?.migrate();
      await Promise.all(others.map((s) => s.close()));
      await store.probeWritable();
      expect(await store.users.count()).toBe(0);
    });

    it('a batch commits every unit, returns each work value in order and numbers rows gap-free from 1', async () => {
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
    });

    it('a failing unit rolls back alone: its state changes and rows vanish, its seq values are reused, the others commit', async () => {
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

    it('audit rows appended by the work are read only after it finished and are committed with it', async () => {
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

    it('log rows round-trip exactly: ISO timestamps with milliseconds, details, actor and every column', async () => {
      const a = auditDraft({ reason: 'insufficient_role', outcome: 'Denied', details: { list: [1, 'two'], n: null } });
      const c = accessDraft({ status: 503, durationMs: 12.34, projectSlug: 'alpha', environmentSlug: 'dev', route: null });
      await store.commitBatch([{ audit: [a], access: [c] }]);
      expect(await store.auditLog.query({}, 1)).toEqual([{ ...a, seq: 1 }]);
      expect(await store.accessLog.query({}, 1)).toEqual([{ ...c, seq: 1 }]);
    });

    it('probeWritable succeeds on a healthy store', async () => {
      await expect(store.probeWritable()).resolves.toBeUndefined();
    });

    stateConformance(ctx);
    logConformance(ctx);
  });
}

/** Domain state written through StoreTx and read back through the Store's read methods. */
function stateConformance(ctx: () => { store: Store }): void {
  it('users, sessions and settings are written in a unit and read back', async () => {
    const { store } = ctx();
    const u = { ...user('Bob@X.io'), email: 'bob@x.io', admin: true };
    await store.commitBatch([
      {
        work: async (tx) => {
          await tx.users.insert(u);
          await tx.users.insertSession({ tokenHash: 'th', userId: u.id, createdAt: T0, expiresAt: '2026-03-16T10:20:30.123Z', revokedAt: null });
          await tx.settings.set('k', 'v1');
          await tx.settings.set('k', 'v2');
        },
        audit: [],
        access: [],
      },
    ]);
    expect(await store.users.getByEmail('BOB@x.io')).toEqual(u);
    expect(await store.users.getById(u.id)).toEqual(u);
    expect(await store.users.getById('nope')).toBeNull();
    expect(await store.users.count()).toBe(1);
    expect(await store.settings.get('k')).toBe('v2');
    expect(await store.settings.get('absent')).toBeNull();
    expect((await store.users.getSession('th'))?.revokedAt).toBeNull();
    await store.commitBatch([{ work: (tx) => tx.users.revokeSession('th', '2026-03-15T11:00:00.000Z'), audit: [], access: [] }]);
    expect(await store.users.getSession('th')).toEqual({
      tokenHash: 'th', userId: u.id, createdAt: T0, expiresAt: '2026-03-16T10:20:30.123Z', revokedAt: '2026-03-15T11:00:00.000Z',
    });
  });

  it('projects, environments, memberships and API keys are written and listed in a stable order', async () => {
    const { store } = ctx();
    const u = user('m@x.io');
    const p = { id: randomUUID(), slug: 'a-b', name: 'AB', wrappedKey: Buffer.from([1, 2, 3]), createdAt: T0 };
    const p2 = { ...p, id: randomUUID(), slug: 'ab' };
    const e = { id: randomUUID(), projectId: p.id, slug: 'prod', name: 'Prod', createdAt: T0 };
    const key = {
      id: 'k1', projectId: p.id, environmentId: e.id, name: 'ci', role: 'CONSUMER' as const, secretHash: 'sh',
      wrappedSigningKey: Buffer.from('sk'), createdAt: T0, createdBy: u.id, revokedAt: null,
    };
    const out = await store.commitBatch([
      {
        work: async (tx) => {
          await tx.users.insert(u);
          await tx.projects.insert(p2);
          await tx.projects.insert(p);
          await tx.projects.insertEnvironment(e);
          const first = await tx.members.upsert(p.id, null, u.id, 'MEMBER');
          const again = await tx.members.upsert(p.id, null, u.id, 'OWNER');
          await tx.members.upsert(p.id, e.id, u.id, 'CONSUMER');
          await tx.apiKeys.insert(key);
          return [first, again];
        },
        audit: [],
        access: [],
      },
    ]);
    expect(out[0]).toEqual({ ok: true, value: [null, 'MEMBER'] });
    expect((await store.projects.list()).map((x) => x.slug)).toEqual(['a-b', 'ab']);
    expect(await store.projects.getBySlug('a-b')).toEqual(p);
    expect(await store.projects.getById(p.id)).toEqual(p);
    expect(await store.projects.getEnvironment(p.id, 'prod')).toEqual(e);
    expect(await store.projects.getEnvironmentById(e.id)).toEqual(e);
    expect(await store.projects.listEnvironments(p.id)).toEqual([e]);
    const members = await store.members.listOfProject(p.id);
    expect(members.map((m) => [m.environmentId, m.role, m.email])).toEqual([[null, 'OWNER', 'm@x.io'], [e.id, 'CONSUMER', 'm@x.io']]);
    expect((await store.members.listOfUser(u.id)).every((m) => m.projectId === p.id)).toBe(true);
    expect(await store.apiKeys.get('k1')).toEqual(key);
    expect(await store.apiKeys.list(p.id)).toEqual([key]);
    expect(await store.apiKeys.list(p.id, 'other-env')).toEqual([]);
    const revoke = await store.commitBatch([
      {
        work: async (tx) => [
          await tx.apiKeys.revoke('k1', '2026-03-15T12:00:00.000Z'),
          await tx.apiKeys.revoke('k1', '2026-03-15T12:00:00.000Z'),
          await tx.members.delete(p.id, e.id, u.id),
          await tx.members.delete(p.id, e.id, u.id),
        ],
        audit: [],
        access: [],
      },
    ]);
    expect(revoke[0]).toEqual({ ok: true, value: [true, false, 'CONSUMER', null] });
    expect((await store.apiKeys.get('k1'))?.revokedAt).toBe('2026-03-15T12:00:00.000Z');
    expect(await store.members.listOfProject(p.id)).toHaveLength(1);
  });

  it('secret versions keep counting across a delete and ciphertexts are bound to their version', async () => {
    const { store } = ctx();
    const p = { id: randomUUID(), slug: 's', name: 'S', wrappedKey: Buffer.from([0]), createdAt: T0 };
    const e = { id: randomUUID(), projectId: p.id, slug: 'dev', name: 'Dev', createdAt: T0 };
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
}
