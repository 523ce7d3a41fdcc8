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
      expect(await store.countUsers()).toBe(0);
    });

    it('a batch commits every unit, returns each work value in order and numbers rows gap-free from 1', async () => {
      const units: Unit[] = [
        { work: async () => 'a', audit: [auditDraft(), auditDraft()], access: [accessDraft()] },
        { audit: [], access: [accessDraft(), accessDraft()] },
        { work: async () => 42, audit: [auditDraft()], access: [] },
      ];
      const out = await store.commitBatch(units);
      expect(out).toEqual([{ ok: true, value: 'a' }, { ok: true, value: undefined }, { ok: true, value: 42 }]);
      const audit = await store.queryAudit({}, 100);
      const access = await store.queryAccess({}, 100);
      expect(audit.map((e) => e.seq)).toEqual([3, 2, 1]);
      expect(access.map((e) => e.seq)).toEqual([3, 2, 1]);
    });

    it('a failing unit rolls back alone: its state changes and rows vanish, its seq values are reused, the others commit', async () => {
      const boom = new Error('work failed');
      const out = await store.commitBatch([
        { work: (tx) => tx.insertUser(user('a@x.io')), audit: [auditDraft({ resource: 'a' })], access: [accessDraft()] },
        {
          work: async (tx) => {
            await tx.insertUser(user('b@x.io'));
            throw boom;
          },
          audit: [auditDraft({ resource: 'b' })],
          access: [accessDraft()],
        },
        { work: (tx) => tx.insertUser(user('c@x.io')), audit: [auditDraft({ resource: 'c' })], access: [accessDraft()] },
      ]);
      expect(out[0]).toEqual({ ok: true, value: undefined });
      expect(out[1]).toEqual({ ok: false, error: boom });
      expect(out[2]?.ok).toBe(true);
      expect((await store.listUsers()).map((u) => u.email)).toEqual(['a@x.io', 'c@x.io']);
      const audit = await store.queryAudit({}, 10);
      expect(audit.map((e) => [e.seq, e.resource])).toEqual([[2, 'c'], [1, 'a']]);
      expect((await store.queryAccess({}, 10)).map((e) => e.seq)).toEqual([2, 1]);
      await store.commitBatch([{ audit: [auditDraft()], access: [] }]);
      expect((await store.queryAudit({}, 1))[0]?.seq).toBe(3);
    });

    it('a unique violation surfaces as UniqueViolationError for that unit only', async () => {
      await store.commitBatch([{ work: (tx) => tx.insertUser(user('dup@x.io')), audit: [], access: [] }]);
      const out = await store.commitBatch([
        { work: (tx) => tx.insertUser(user('dup@x.io')), audit: [auditDraft()], access: [] },
        { work: (tx) => tx.insertUser(user('other@x.io')), audit: [auditDraft()], access: [] },
      ]);
      expect(out[0]?.ok).toBe(false);
      expect((out[0] as { error: unknown }).error).toBeInstanceOf(UniqueViolationError);
      expect(out[1]?.ok).toBe(true);
      expect(await store.countUsers()).toBe(2);
      expect((await store.queryAudit({}, 10)).map((e) => e.seq)).toEqual([1]);
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
      expect((await store.queryAudit({}, 10)).map((e) => e.seq)).toEqual([3, 2, 1]);
      expect((await store.queryAccess({}, 10)).map((e) => e.seq)).toEqual([3, 2, 1]);
    });

    it('audit rows appended by the work are read only after it finished and are committed with it', async () => {
      const audit: AuditDraft[] = [];
      const out = await store.commitBatch([
        {
          work: async (tx) => {
            await tx.setSetting('after', 'work');
            audit.push(auditDraft({ event: 'SecretCreated', details: { afterWork: true } }));
            return 'done';
          },
          audit,
          access: [],
        },
      ]);
      expect(out[0]?.ok).toBe(true);
      const rows = await store.queryAudit({}, 10);
      expect(rows.map((r) => [r.event, r.details])).toEqual([['SecretCreated', { afterWork: true }]]);
    });

    it('log rows round-trip exactly: ISO timestamps with milliseconds, details, actor and every column', async () => {
      const a = auditDraft({ reason: 'insufficient_role', outcome: 'Denied', details: { list: [1, 'two'], n: null } });
      const c = accessDraft({ status: 503, durationMs: 12.34, projectSlug: 'alpha', environmentSlug: 'dev', route: null });
      await store.commitBatch([{ audit: [a], access: [c] }]);
      expect(await store.queryAudit({}, 1)).toEqual([{ ...a, seq: 1 }]);
      expect(await store.queryAccess({}, 1)).toEqual([{ ...c, seq: 1 }]);
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
          await tx.insertUser(u);
          await tx.insertSession({ tokenHash: 'th', userId: u.id, createdAt: T0, expiresAt: '2026-03-16T10:20:30.123Z', revokedAt: null });
          await tx.setSetting('k', 'v1');
          await tx.setSetting('k', 'v2');
        },
        audit: [],
        access: [],
      },
    ]);
    expect(await store.getUserByEmail('BOB@x.io')).toEqual(u);
    expect(await store.getUserById(u.id)).toEqual(u);
    expect(await store.getUserById('nope')).toBeNull();
    expect(await store.countUsers()).toBe(1);
    expect(await store.getSetting('k')).toBe('v2');
    expect(await store.getSetting('absent')).toBeNull();
    expect((await store.getSession('th'))?.revokedAt).toBeNull();
    await store.commitBatch([{ work: (tx) => tx.revokeSession('th', '2026-03-15T11:00:00.000Z'), audit: [], access: [] }]);
    expect(await store.getSession('th')).toEqual({
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
          await tx.insertUser(u);
          await tx.insertProject(p2);
          await tx.insertProject(p);
          await tx.insertEnvironment(e);
          const first = await tx.upsertMember(p.id, null, u.id, 'MEMBER');
          const again = await tx.upsertMember(p.id, null, u.id, 'OWNER');
          await tx.upsertMember(p.id, e.id, u.id, 'CONSUMER');
          await tx.insertApiKey(key);
          return [first, again];
        },
        audit: [],
        access: [],
      },
    ]);
    expect(out[0]).toEqual({ ok: true, value: [null, 'MEMBER'] });
    expect((await store.listProjects()).map((x) => x.slug)).toEqual(['a-b', 'ab']);
    expect(await store.getProjectBySlug('a-b')).toEqual(p);
    expect(await store.getProjectById(p.id)).toEqual(p);
    expect(await store.getEnvironment(p.id, 'prod')).toEqual(e);
    expect(await store.getEnvironmentById(e.id)).toEqual(e);
    expect(await store.listEnvironments(p.id)).toEqual([e]);
    const members = await store.listMembers(p.id);
    expect(members.map((m) => [m.environmentId, m.role, m.email])).toEqual([[null, 'OWNER', 'm@x.io'], [e.id, 'CONSUMER', 'm@x.io']]);
    expect((await store.listMembershipsOfUser(u.id)).every((m) => m.projectId === p.id)).toBe(true);
    expect(await store.getApiKey('k1')).toEqual(key);
    expect(await store.listApiKeys(p.id)).toEqual([key]);
    expect(await store.listApiKeys(p.id, 'other-env')).toEqual([]);
    const revoke = await store.commitBatch([
      {
        work: async (tx) => [
          await tx.revokeApiKey('k1', '2026-03-15T12:00:00.000Z'),
          await tx.revokeApiKey('k1', '2026-03-15T12:00:00.000Z'),
          await tx.deleteMember(p.id, e.id, u.id),
          await tx.deleteMember(p.id, e.id, u.id),
        ],
        audit: [],
        access: [],
      },
    ]);
    expect(revoke[0]).toEqual({ ok: true, value: [true, false, 'CONSUMER', null] });
    expect((await store.getApiKey('k1'))?.revokedAt).toBe('2026-03-15T12:00:00.000Z');
    expect(await store.listMembers(p.id)).toHaveLength(1);
  });

  it('secret versions keep counting across a delete and ciphertexts are bound to their version', async () => {
    const { store } = ctx();
    const p = { id: randomUUID(), slug: 's', name: 'S', wrappedKey: Buffer.from([0]), createdAt: T0 };
    const e = { id: randomUUID(), projectId: p.id, slug: 'dev', name: 'Dev', createdAt: T0 };
    const put = (key: string) => ({
      work: (tx: Parameters<NonNullable<Unit['work']>>[0]) => tx.putSecret(e.id, key, (v) => Buffer.from(`${key}-v${v}`), T0, 'me'),
      audit: [],
      access: [],
    });
    await store.commitBatch([{ work: async (tx) => { await tx.insertProject(p); await tx.insertEnvironment(e); }, audit: [], access: [] }]);
    const r = await store.commitBatch([put('B'), put('A'), put('A')]);
    expect(r.map((x) => (x as { value: unknown }).value)).toEqual([{ version: 1, created: true }, { version: 1, created: true }, { version: 2, created: false }]);
    const del = await store.commitBatch([
      { work: async (tx) => [await tx.deleteSecret(e.id, 'A', T0, 'me'), await tx.deleteSecret(e.id, 'A', T0, 'me'), await tx.deleteSecret(e.id, 'Z', T0, 'me')], audit: [], access: [] },
    ]);
    expect(del[0]).toEqual({ ok: true, value: [2, null, null] });
    expect((await store.getSecret(e.id, 'A'))?.deleted).toBe(true);
    expect((await store.listSecrets(e.id)).map((s) => s.key)).toEqual(['B']);
    const again = await store.commitBatch([put('A')]);
    expect(again[0]).toEqual({ ok: true, value: { version: 4, created: true } });
    const a = await store.getSecret(e.id, 'A');
    expect(a).toMatchObject({ key: 'A', version: 4, deleted: false, updatedAt: T0, updatedBy: 'me' });
    expect(a?.ciphertext?.toString()).toBe('A-v4');
    expect(await store.getSecret(e.id, 'nope')).toBeNull();
    // Every version stays readable by number; the deletion is a tombstone without ciphertext.
    expect((await store.getSecret(e.id, 'A', 1))?.ciphertext?.toString()).toBe('A-v1');
    expect(await store.getSecret(e.id, 'A', 3)).toMatchObject({ version: 3, deleted: true, ciphertext: null });
    expect(await store.getSecret(e.id, 'A', 9)).toBeNull();
    expect((await store.listSecretVersions(e.id, 'A')).map((v) => [v.version, v.deleted, v.createdBy, v.createdAt])).toEqual([
      [4, false, 'me', T0], [3, true, 'me', T0], [2, false, 'me', T0], [1, false, 'me', T0],
    ]);
    expect(await store.listSecretVersions(e.id, 'nope')).toEqual([]);
  });
}
