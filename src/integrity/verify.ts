import { CANONICAL_FIELDS_V1, canonicalJson, entryLeafHash, personalCommitment, type CommittedEntry } from './canonical.js';
import type { Checkpoint } from './note.js';
import { rootFromRange, verifyInclusion } from './merkle.js';

/** An entry as the log stores it: its fields, and the salt and hash that commit its personal fields. */
export interface StoredEntry extends Omit<CommittedEntry, 'personalHash'> {
  readonly personalSalt: string | null;
  readonly personalHash: string | null;
}

/** One failed check: which entry (seq; null for the log as a whole), which field or structure, and why. */
export interface Problem {
  readonly seq: number | null;
  readonly field: string;
  readonly message: string;
}

export const PERSONAL_FIELDS = 'actor.email/actor.name/actor.ip';
/**
 * What an erased person's name becomes (GDPR erasure, docs/compliance.md): a keyed pseudonym, the same
 * for every entry of that person, so activity can still be counted per person without naming them.
 */
export const PSEUDONYM_RE = /^erased:[0-9a-f]{16}$/;

/**
 * Checks an entry on its own: its personal fields against their salted commitment (when the salt was
 * erased the fields must be gone too). Returns the leaf hash its content commits to, or null when it
 * has no commitment at all.
 */
export function checkEntry(e: StoredEntry, problems: Problem[]): Buffer | null {
  if (e.personalHash === null || !/^[0-9a-f]{64}$/.test(e.personalHash)) {
    problems.push({ seq: e.seq, field: 'actor.personal', message: 'the entry has no valid personal-field commitment (personal_hash)' });
    return null;
  }
  if (e.personalSalt !== null) {
    if (!/^[0-9a-f]{32}$/.test(e.personalSalt) || personalCommitment(Buffer.from(e.personalSalt, 'hex'), e.actor) !== e.personalHash) {
      problems.push({ seq: e.seq, field: PERSONAL_FIELDS, message: 'the personal fields do not match their salted commitment: one was edited' });
    }
  } else if (e.actor.email !== null || (e.actor.name !== null && !PSEUDONYM_RE.test(e.actor.name)) || e.actor.ip !== null) {
    problems.push({ seq: e.seq, field: PERSONAL_FIELDS, message: 'the salt was erased but personal fields are present: they cannot be checked' });
  }
  try {
    return entryLeafHash({ ...e, personalHash: e.personalHash });
  } catch (err) {
    problems.push({ seq: e.seq, field: 'details', message: `the entry has no canonical form: ${(err as Error).message}` });
    return null;
  }
}

export interface StretchInput {
  readonly checkpoint: Checkpoint;
  /** seq of leaf 0 */
  readonly firstSeq: number;
  /** Leaf indexes [start, end) to verify; end ≤ checkpoint.size */
  readonly start: number;
  readonly end: number;
  /** The stored leaf hashes of [start, start + length): fewer than end − start when the tree lost its tail */
  readonly treeLeaves: readonly Buffer[];
  /** Range proof of [start, end) in the checkpoint's tree (merkle.ts rangeProofRanges) */
  readonly rangeProof: readonly Buffer[];
  /** The entries the log holds with seq in the stretch, in seq order */
  readonly entries: readonly StoredEntry[];
  /** Entries below this seq were removed by a recorded retention purge */
  readonly purgedBelow: number;
}

export interface StretchResult {
  readonly problems: Problem[];
  /** Entries whose content was checked against the signed tree */
  readonly verified: number;
  /** Leaves whose entries retention removed (their hashes still count toward the root) */
  readonly purged: number;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/**
 * Verifies a stretch of the live log against a signed checkpoint: the stored tree must lead to the
 * checkpoint's root (else its hashes were rewritten or its tail cut), and every entry must still be
 * what its leaf committed to (else it was edited, swapped, forged or deleted); each problem names the
 * seq and the field or structure that failed.
 */
export function verifyStretch(input: StretchInput): StretchResult {
  const { checkpoint: cp, firstSeq, start, end, treeLeaves } = input;
  const problems: Problem[] = [];
  const want = end - start;
  let treeTrusted = false;
  if (treeLeaves.length < want) {
    const from = firstSeq + start + treeLeaves.length;
    problems.push({
      seq: from,
      field: 'tree',
      message: `the log's tree ends at seq ${from - 1} but checkpoint ${cp.size} covers through seq ${firstSeq + cp.size - 1}: entries from seq ${from} on were deleted (or an older backup restored)`,
    });
  } else {
    const root = rootFromRange(treeLeaves.slice(0, want), start, cp.size, input.rangeProof);
    treeTrusted = root !== null && same(root, cp.root);
    if (!treeTrusted) {
      problems.push({
        seq: null,
        field: 'tree',
        message: `the stored tree does not lead to the root of checkpoint ${cp.size}: its hashes were rewritten (entries edited and hashes recomputed without the signing key)`,
      });
    }
  }
  const bySeq = new Map<number, StoredEntry>();
  for (const e of input.entries) bySeq.set(e.seq, e);
  const mismatched: { seq: number; e: StoredEntry }[] = [];
  let verified = 0;
  let purged = 0;
  for (let i = start; i < start + Math.min(want, treeLeaves.length); i++) {
    const seq = firstSeq + i;
    const e = bySeq.get(seq);
    if (!e) {
      if (seq < input.purgedBelow) purged++;
      else problems.push({ seq, field: 'entry', message: 'missing: the entry was deleted (its leaf is in the tree, no retention purge reached it)' });
      continue;
    }
    const leaf = checkEntry(e, problems);
    if (leaf && same(leaf, treeLeaves[i - start] as Buffer)) verified++;
    else if (leaf) mismatched.push({ seq, e });
  }
  // A mismatching entry that matches another seq's leaf once its seq is changed was moved (rows swapped).
  const leafIndexOf = new Map<string, number>();
  for (const m of mismatched) leafIndexOf.set((treeLeaves[m.seq - firstSeq - start] as Buffer).toString('hex'), m.seq);
  for (const m of mismatched) {
    let movedFrom: number | null = null;
    for (const other of mismatched) {
      if (other.seq === m.seq) continue;
      const l = checkEntry({ ...m.e, seq: other.seq }, []);
      if (l && leafIndexOf.get(l.toString('hex')) === other.seq) movedFrom = other.seq;
    }
    problems.push(
      movedFrom !== null
        ? { seq: m.seq, field: 'seq', message: `holds the entry committed as seq ${movedFrom}: rows were swapped or reordered` }
        : { seq: m.seq, field: 'entry', message: `differs from what leaf ${m.seq - firstSeq} committed to: a field was edited or the row was forged${treeTrusted ? '' : ' (the tree itself is not trusted)'}` },
    );
  }
  return { problems: problems.sort((a, b) => (a.seq ?? -1) - (b.seq ?? -1)), verified, purged };
}

/** An exported entry with its inclusion proof (`bella audit list --output json --with-proof`). */
export interface ProvedEntry extends StoredEntry {
  readonly leafIndex: number;
  /** base64 hashes */
  readonly inclusionProof: readonly string[];
}

/** Verifies exported entries one by one against a signed checkpoint (each carries its inclusion proof). */
export function verifyProved(cp: Checkpoint, firstSeq: number, entries: readonly ProvedEntry[]): StretchResult {
  const problems: Problem[] = [];
  let verified = 0;
  for (const e of entries) {
    if (e.leafIndex !== e.seq - firstSeq) {
      problems.push({ seq: e.seq, field: 'seq', message: `leaf ${e.leafIndex} belongs to seq ${firstSeq + e.leafIndex}, not ${e.seq}` });
      continue;
    }
    const leaf = checkEntry(e, problems);
    if (!leaf) continue;
    const proof = e.inclusionProof.map((p) => Buffer.from(p, 'base64'));
    if (e.leafIndex >= cp.size) problems.push({ seq: e.seq, field: 'proof', message: `not covered by checkpoint ${cp.size}` });
    else if (verifyInclusion(e.leafIndex, cp.size, leaf, proof, cp.root)) verified++;
    else problems.push({ seq: e.seq, field: 'entry', message: `is not the entry leaf ${e.leafIndex} of checkpoint ${cp.size} committed to (a field was edited, or the proof is wrong)` });
  }
  return { problems, verified, purged: 0 };
}

/**
 * The fields in which an entry differs from a trusted copy of it (an export whose proof verified):
 * names from the canonical field list, plus the personal fields by name. Lets a verifier say which
 * field of a changed entry was edited, which the leaf alone cannot tell.
 */
export function differingFields(now: StoredEntry, was: StoredEntry): { field: string; now: unknown; was: unknown }[] {
  const out: { field: string; now: unknown; was: unknown }[] = [];
  const a = { ...now, personalHash: now.personalHash ?? '' };
  const b = { ...was, personalHash: was.personalHash ?? '' };
  for (const [name, get] of CANONICAL_FIELDS_V1) {
    if (name === 'actor.personal') continue;
    if (canonicalJson(get(a)) !== canonicalJson(get(b))) out.push({ field: name, now: get(a), was: get(b) });
  }
  for (const k of ['email', 'name', 'ip'] as const) {
    if (now.actor[k] !== was.actor[k]) out.push({ field: `actor.${k}`, now: now.actor[k], was: was.actor[k] });
  }
  return out;
}

/**
 * Names the field of each changed-entry problem where a trusted copy of the entry exists (proved by
 * its inclusion proof against a signed checkpoint): `entry` becomes e.g. `resource`, with both values.
 */
export function nameFields(problems: readonly Problem[], live: readonly StoredEntry[], reference: ReadonlyMap<number, StoredEntry>): Problem[] {
  const bySeq = new Map(live.map((e) => [e.seq, e]));
  return problems.map((p) => {
    if (p.seq === null || (p.field !== 'entry' && p.field !== PERSONAL_FIELDS)) return p;
    const was = reference.get(p.seq);
    const now = bySeq.get(p.seq);
    if (!was || !now) return p;
    const diff = differingFields(now, was);
    if (diff.length === 0) return p;
    const show = (v: unknown) => JSON.stringify(v)?.slice(0, 120) ?? 'undefined';
    return {
      seq: p.seq,
      field: diff.map((d) => d.field).join(','),
      message: `${diff.map((d) => `${d.field} is ${show(d.now)}, was ${show(d.was)}`).join('; ')} (per the proved export)`,
    };
  });
}