import { describe, expect, it } from 'vitest';
import type { StoreTx } from '../store/ports.js';
import type { Unit, UnitOutcome } from '../store/types.js';
import { DomainError } from '../kernel/errors.js';
import { createGroupCommitter } from './committer.js';
import { createAuditRecorder, systemOp } from './recorder.js';
import { createUnitOfWork } from './unit-of-work.js';

const clock = () => new Date('2026-12-01T10:00:00.000Z');

/** A store that records the units it is given and runs their work against a fake transaction. */
function fakeStore(fail?: 'commit') {
  const units: Unit[] = [];
  return {
    units,
    async commitBatch(batch: readonly Unit[]): Promise<UnitOutcome[]> {
      if (fail === 'commit') throw new Error('disk full');
      const out: UnitOutcome[] = [];
      for (const u of batch) {
        try {
          const value = u.work ? await u.work({} as StoreTx) : undefined;
          units.push({ ...u, audit: [...u.audit] });
          out.push({ ok: true, value });
        } catch (error) {
          out.push({ ok: false, error });
        }
      }
      return out;
    },
  };
}

describe('the unit of work', () => {
  it("commits the work with the operation's entries, including those recorded while the work ran", async () => {
    const store = fakeStore();
    const uow = createUnitOfWork({ committer: createGroupCommitter({ store: store as never, now: clock }) });
    const op = systemOp({ clock });
    op.audit.record({ event: 'ProjectCreated', resource: 'p' });
    const v = await uow.run(op, async () => {
      op.audit.record({ event: 'MemberAdded', resource: 'a@example.com' });
      return 42;
    });
    expect(v).toBe(42);
    expect(op.audit.committed).toBe(true);
    expect(store.units[0]?.audit.map((e) => e.event)).toEqual(['ProjectCreated', 'MemberAdded']);
    expect(store.units[0]?.audit[0]).toMatchObject({ actor: { type: 'System' }, requestId: null, timestamp: '2026-12-01T10:00:00.000Z' });
  });

  it('work that throws commits nothing and drops the entries it recorded; the error reaches the caller as is', async () => {
    const store = fakeStore();
    const uow = createUnitOfWork({ committer: createGroupCommitter({ store: store as never, now: clock }) });
    const op = systemOp({ clock });
    const refusal = new DomainError('conflict', 'no');
    await expect(
      uow.run(op, async () => {
        op.audit.record({ event: 'MemberRemoved' });
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(store.units).toHaveLength(0);
    expect(op.audit.take()).toEqual([]);
    expect(op.audit.committed).toBe(false);
  });

  it('a batch that cannot commit is audit_unavailable: fail-closed', async () => {
    const uow = createUnitOfWork({ committer: createGroupCommitter({ store: fakeStore('commit') as never, now: clock }) });
    const op = systemOp({ clock });
    op.audit.record({ event: 'LogsPurged' });
    await expect(uow.run(op)).rejects.toMatchObject({ code: 'audit_unavailable' });
    expect(uow.health()).toMatchObject({ ok: false, reason: 'disk full' });
  });

  it("a request's recorder stamps its actor at record time, its request id and its attribution defaults", () => {
    let actor = { type: 'Anonymous' as const, id: null, email: null, name: null, ip: '10.0.0.1' };
    const rec = createAuditRecorder({ clock }, { actor: () => actor, requestId: 'req-1', userAgent: 'curl/8', scope: { projectSlug: 'p' } });
    rec.record({ event: 'UserLoginFailed', outcome: 'Denied', reason: 'wrong_password' });
    actor = { ...actor, type: 'User' as never, email: 'a@example.com' as never };
    rec.setScope({ environmentSlug: 'prod', resource: 'K' });
    rec.record({ event: 'SecretRead' });
    expect(rec.hasDenied()).toBe(true);
    const [a, b] = rec.take();
    expect(a).toMatchObject({ actor: { type: 'Anonymous' }, projectSlug: 'p', environmentSlug: null, requestId: 'req-1', userAgent: 'curl/8', reason: 'wrong_password' });
    expect(b).toMatchObject({ actor: { type: 'User', email: 'a@example.com' }, projectSlug: 'p', environmentSlug: 'prod', resource: 'K', outcome: 'Success' });
    expect(rec.take()).toEqual([]);
  });
});
