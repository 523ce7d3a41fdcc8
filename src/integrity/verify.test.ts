import { describe, expect, it } from 'vitest';
import { entryLeafHash, personalCommitment } from './canonical.js';
import { rangeProofRanges, rootOf, subtreeHash } from './merkle.js';
import { nameFields, verifyStretch, type StoredEntry } from './verify.js';

const salt = Buffer.alloc(16, 3);
const entry = (seq: number, resource: string): StoredEntry => {
  const actor = { type: 'User', id: 'u', email: 'a@example.com', name: 'A', ip: '10.0.0.1' };
  return {
    seq, id: `e${seq}`, timestamp: '2026-01-01T00:00:00.000Z', event: 'SecretRead', actor, projectSlug: 'p', environmentSlug: 'e', resource,
    outcome: 'Success', requestId: null, userAgent: null, reason: null, details: {}, personalSalt: salt.toString('hex'), personalHash: personalCommitment(salt, actor),
  };
};

describe('verifying a stretch of the log', () => {
  const log = Array.from({ length: 9 }, (_, i) => entry(i + 1, `K${i}`));
  const leaves = log.map((e) => entryLeafHash({ ...e, personalHash: e.personalHash as string }));
  const cp = { origin: 'o', size: 9, root: rootOf(leaves) };
  const proof = (a: number, b: number) => rangeProofRanges(a, b, 9).map(([lo, hi]) => subtreeHash(lo, hi, (l, i) => rootOf(leaves.slice(i * 2 ** l, (i + 1) * 2 ** l))));
  const run = (entries: StoredEntry[], a = 0, b = 9) =>
    verifyStretch({ checkpoint: cp, firstSeq: 1, start: a, end: b, treeLeaves: leaves.slice(a, b), rangeProof: proof(a, b), entries, purgedBelow: 0 });

  it('an untouched stretch verifies, whole or in part', () => {
    expect(run(log)).toMatchObject({ problems: [], verified: 9 });
    expect(run(log.slice(3, 7), 3, 7)).toMatchObject({ problems: [], verified: 4 });
  });

  it('names an edited entry, and the edited field given a trusted copy', () => {
    const edited = log.map((e) => (e.seq === 4 ? { ...e, resource: 'K33' } : e));
    const r = run(edited);
    expect(r.problems).toEqual([{ seq: 4, field: 'entry', message: expect.stringContaining('differs from what leaf 3 committed to') }]);
    const named = nameFields(r.problems, edited, new Map([[4, log[3] as StoredEntry]]));
    expect(named).toEqual([{ seq: 4, field: 'resource', message: 'resource is "K33", was "K3" (per the proved export)' }]);
    const personal = run(log.map((e) => (e.seq === 2 ? { ...e, actor: { ...e.actor, ip: '6.6.6.6' } } : e)));
    expect(personal.problems.map((p) => `${p.seq} ${p.field}`)).toEqual(['2 actor.email/actor.name/actor.ip']);
    expect(nameFields(personal.problems, log.map((e) => (e.seq === 2 ? { ...e, actor: { ...e.actor, ip: '6.6.6.6' } } : e)), new Map([[2, log[1] as StoredEntry]]))[0]?.field).toBe('actor.ip');
  });

  it('a purged prefix is accepted only below the recorded cut', () => {
    const rest = log.slice(3);
    expect(verifyStretch({ checkpoint: cp, firstSeq: 1, start: 0, end: 9, treeLeaves: leaves, rangeProof: proof(0, 9), entries: rest, purgedBelow: 4 })).toMatchObject({ problems: [], purged: 3, verified: 6 });
    expect(verifyStretch({ checkpoint: cp, firstSeq: 1, start: 0, end: 9, treeLeaves: leaves, rangeProof: proof(0, 9), entries: rest, purgedBelow: 3 }).problems.map((p) => p.seq)).toEqual([3]);
  });
});
