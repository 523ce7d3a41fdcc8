import type { ReportManifest, ReportVerification } from '../contract/reports.js';
import type { IntegrityService } from '../audit/integrity-service.js';
import { systemOp } from '../audit/recorder.js';
import { openCheckpoint, parseVerifierKey } from '../integrity/note.js';
import { verifyStretch, type StoredEntry } from '../integrity/verify.js';
import type { Clock } from '../kernel/clock.js';
import { DomainError } from '../kernel/errors.js';
import type { Store } from '../store/ports.js';

const PAGE = 1000;

export interface PeriodCheck {
  readonly checkpoint: ReportManifest['checkpoint'];
  readonly publicKey: string;
  readonly origin: string;
  readonly verification: ReportVerification;
}

/**
 * Verifies the stretch of the Audit Log between the period's first and last entry (seq fromSeq..toSeq,
 * every entry in between whatever its project, since leaves are contiguous) against a checkpoint the
 * server signs now, the way `bella audit verify --from-seq --to-seq` does it from outside.
 */
export async function verifyPeriod(
  deps: { readonly integrity: IntegrityService; readonly store: Pick<Store, 'auditLog'>; readonly clock: Clock },
  fromSeq: number | null,
  toSeq: number | null,
): Promise<PeriodCheck> {
  const sys = systemOp({ clock: deps.clock });
  const key = await deps.integrity.publicKey(sys);
  let signError: string | null = null;
  try {
    await deps.integrity.sign();
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    // A tree that cannot be signed (inconsistent with an earlier checkpoint) is itself the finding.
    signError = e.message;
  }
  let view;
  try {
    view = await deps.integrity.checkpoint(sys, {});
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    view = null;
  }
  const checkpoint = view ? { size: view.size, root: view.root, firstSeq: view.firstSeq, note: view.note } : null;
  const base = { checkpoint, publicKey: key.publicKey, origin: key.origin };
  const fail = (message: string): PeriodCheck => ({ ...base, verification: { ok: false, fromSeq, toSeq, verified: 0, purged: 0, problems: [{ seq: null, field: 'tree', message }] } });
  if (signError) return fail(signError);
  if (fromSeq === null || toSeq === null) return { ...base, verification: { ok: true, fromSeq, toSeq, verified: 0, purged: 0, problems: [] } };
  if (!view) return fail('there is no signed checkpoint to verify against');
  const cp = openCheckpoint(view.note, parseVerifierKey(key.publicKey));
  const start = Math.max(0, fromSeq - view.firstSeq);
  const end = Math.min(cp.size, toSeq - view.firstSeq + 1);
  if (end <= start) return fail(`the period's entries (seq ${fromSeq}..${toSeq}) are not covered by the tree (leaf 0 is seq ${view.firstSeq})`);
  const treeLeaves: Buffer[] = [];
  const entries: StoredEntry[] = [];
  let ended = false;
  for (let i = start; i < end; i += PAGE) {
    const j = Math.min(end, i + PAGE);
    const page = await deps.integrity.leaves(sys, i, j);
    if (!ended) treeLeaves.push(...page.leafHashes.map((h) => Buffer.from(h, 'base64')));
    if (page.leafHashes.length < j - i) ended = true;
    entries.push(...page.entries);
  }
  let rangeProof: Buffer[] = [];
  if (!ended) {
    try {
      rangeProof = (await deps.integrity.rangeProof(sys, start, end, cp.size)).rangeProof.map((h) => Buffer.from(h, 'base64'));
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
  }
  const purge = (await deps.store.auditLog.query({ events: ['LogsPurged'] }, 1))[0];
  const kept = purge?.details.auditKeptFromSeq;
  const r = verifyStretch({ checkpoint: cp, firstSeq: view.firstSeq, start, end, treeLeaves, rangeProof, entries, purgedBelow: typeof kept === 'number' ? kept : 0 });
  return {
    ...base,
    verification: { ok: r.problems.length === 0, fromSeq: view.firstSeq + start, toSeq: view.firstSeq + end - 1, verified: r.verified, purged: r.purged, problems: r.problems.slice(0, 100) },
  };
}
