import { describe, expect, it } from 'vitest';
import type { IssuedTokenRow, TrustDomainRow } from '../types.js';
import { commitWork, environment, project, type GetContext } from './fixtures.js';

const lease = (p: { id: string }, e: { id: string }, id: string, o: Partial<IssuedTokenRow> = {}): IssuedTokenRow => ({
  id, kind: 'lease', projectId: p.id, environmentId: e.id, tokenHash: 'a'.repeat(64), role: 'CONSUMER', scope: ['DB_PASSWORD', 'API_KEY'], reason: 'incident 1',
  trustDomainId: null, trustDomainName: null, issuer: null, subject: null, createdAt: '2026-03-15T10:00:00.000Z', createdBy: 'a@x.io',
  expiresAt: '2026-03-15T11:00:00.000Z', revokedAt: null, revokedBy: null, revokeReason: null, expiryRecordedAt: null, ...o,
});

/** IssuedTokenPort / IssuedTokensTx and TrustDomainPort / TrustDomainsTx: leases, trust tokens, trust domains. */
export function issuedTokensConformance(ctx: GetContext): void {
  describe('issued tokens and trust domains', () => {
    it('leases are written and read back exactly, listed newest first, revoked once; expiries due are found and recorded once', async () => {
      const { store } = ctx();
      const p = project('it-p');
      const e = environment(p, 'prod');
      const a = lease(p, e, 'aaaaaaaaaaaaaaaa');
      const b = lease(p, e, 'bbbbbbbbbbbbbbbb', { createdAt: '2026-03-15T10:30:00.000Z', expiresAt: '2026-03-15T12:00:00.000Z', scope: ['X'] });
      const t = lease(p, e, 'cccccccccccccccc', { kind: 'trust', scope: null, role: 'MEMBER', reason: null, trustDomainId: 'd1', trustDomainName: 'gh', issuer: 'https://i', subject: 'repo:a/b:ref:x' });
      await commitWork(store, async (tx) => {
        await tx.projects.insert(p);
        await tx.projects.insertEnvironment(e);
        for (const r of [a, b, t]) await tx.issuedTokens.insert(r);
      });
      expect(await store.issuedTokens.get(a.id)).toEqual(a);
      expect(await store.issuedTokens.get(t.id)).toEqual(t);
      expect(await store.issuedTokens.get('nope')).toBeNull();
      expect((await store.issuedTokens.list(e.id, 'lease', 10)).map((x) => x.id)).toEqual([b.id, a.id]);
      expect((await store.issuedTokens.list(e.id, 'trust', 10)).map((x) => x.id)).toEqual([t.id]);
      expect((await commitWork(store, (tx) => tx.issuedTokens.listActive(e.id, 'lease', '2026-03-15T11:00:00.000Z'))).map((x) => x.id)).toEqual([b.id]);
      // Due: a expired at 11:00 (at or before now), b not yet.
      expect((await store.issuedTokens.dueForExpiry('2026-03-15T11:00:00.000Z', 10)).map((x) => x.id)).toEqual([a.id]);
      expect(await commitWork(store, async (tx) => [await tx.issuedTokens.markExpiryRecorded(a.id, '2026-03-15T11:00:05.000Z'), await tx.issuedTokens.markExpiryRecorded(a.id, '2026-03-15T11:00:06.000Z')])).toEqual([true, false]);
      expect((await store.issuedTokens.get(a.id))?.expiryRecordedAt).toBe('2026-03-15T11:00:05.000Z');
      expect(await store.issuedTokens.dueForExpiry('2026-03-15T13:00:00.000Z', 10)).toEqual([expect.objectContaining({ id: b.id })]);
      expect(await commitWork(store, async (tx) => [await tx.issuedTokens.revoke(b.id, '2026-03-15T11:30:00.000Z', 'o@x.io', 'done'), await tx.issuedTokens.revoke(b.id, '2026-03-15T11:31:00.000Z', 'o@x.io', 'again')])).toEqual([true, false]);
      expect(await store.issuedTokens.get(b.id)).toMatchObject({ revokedAt: '2026-03-15T11:30:00.000Z', revokedBy: 'o@x.io', revokeReason: 'done' });
      // A revoked lease's expiry is never recorded.
      expect(await store.issuedTokens.dueForExpiry('2026-03-15T13:00:00.000Z', 10)).toEqual([]);
      expect(await commitWork(store, (tx) => tx.issuedTokens.revokeByTrustDomain('d1', '2026-03-15T10:59:00.000Z', null, 'deleted'))).toBe(1);
    });

    it('trust domains are unique per environment by name, updated and deleted', async () => {
      const { store } = ctx();
      const p = project('td-p');
      const e = environment(p, 'prod');
      const d: TrustDomainRow = {
        id: 'd-1', projectId: p.id, environmentId: e.id, name: 'gh', issuerUrl: 'https://token.actions.githubusercontent.com',
        claimRules: [{ claim: 'repository_id', operator: 'Equals', value: ['1', '2'] }, { claim: '/a/b', operator: 'Glob', value: 'x*' }],
        audiences: ['bella-baxter'], ttlMinutes: 15, grantedRole: 'CONSUMER', createdAt: '2026-03-15T10:00:00.000Z', createdBy: 'a@x.io', updatedAt: '2026-03-15T10:00:00.000Z',
      };
      await commitWork(store, async (tx) => {
        await tx.projects.insert(p);
        await tx.projects.insertEnvironment(e);
        await tx.trustDomains.insert(d);
      });
      expect(await store.trustDomains.get(e.id, 'gh')).toEqual(d);
      await expect(commitWork(store, (tx) => tx.trustDomains.insert({ ...d, id: 'd-2' }))).rejects.toThrow();
      const changed = { ...d, ttlMinutes: 30, grantedRole: 'MEMBER' as const, updatedAt: '2026-03-15T11:00:00.000Z' };
      expect(await commitWork(store, (tx) => tx.trustDomains.update(changed))).toBe(true);
      expect(await store.trustDomains.list(e.id)).toEqual([changed]);
      expect(await commitWork(store, async (tx) => [await tx.trustDomains.delete(d.id), await tx.trustDomains.delete(d.id)])).toEqual([true, false]);
      expect(await store.trustDomains.get(e.id, 'gh')).toBeNull();
    });
  });
}
