import { EMPTY_ROOT, half, isPowerOfTwo, lsb, nodeHash, split } from './hash.js';

/** A subtree [start, end) of leaf indexes. */
export type Range = readonly [start: number, end: number];
/** A stored node: the perfect subtree of 2^level leaves starting at leaf index × 2^level. */
export type NodeKey = readonly [level: number, index: number];
export const nodeKeyString = (k: NodeKey): string => `${k[0]}/${k[1]}`;

/** MTH of a list of leaf hashes (RFC 6962 §2.1), computed from scratch: the reference for tests and small ranges. */
export function rootOf(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  const go = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return Buffer.from(leaves[lo] as Uint8Array);
    const k = split(hi - lo);
    return nodeHash(go(lo, lo + k), go(lo + k, hi));
  };
  return go(0, leaves.length);
}

/**
 * The hash of the subtree [lo, hi) from stored perfect-subtree nodes: a perfect, aligned subtree is one
 * node; any other is split as RFC 6962 splits it. At most about 2·log2(hi − lo) nodes are read.
 */
export function subtreeHash(lo: number, hi: number, node: (level: number, index: number) => Uint8Array): Buffer {
  const size = hi - lo;
  if (size <= 0) throw new RangeError(`empty subtree [${lo}, ${hi})`);
  if (isPowerOfTwo(size) && lo % size === 0) return Buffer.from(node(Math.log2(size), lo / size));
  const k = split(size);
  return nodeHash(subtreeHash(lo, lo + k, node), subtreeHash(lo + k, hi, node));
}

/** The stored nodes subtreeHash reads for each range (to fetch them in one query). */
export function nodesFor(ranges: readonly Range[]): NodeKey[] {
  const keys = new Map<string, NodeKey>();
  const zero = new Uint8Array(32);
  for (const [lo, hi] of ranges) {
    subtreeHash(lo, hi, (level, index) => {
      keys.set(`${level}/${index}`, [level, index]);
      return zero;
    });
  }
  return [...keys.values()];
}

/** RFC 6962 §2.1.1 PATH(m, D[n]): the subtrees whose hashes form leaf m's inclusion proof, deepest first. */
export function inclusionRanges(m: number, n: number): Range[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 0 && m < n)) throw new RangeError(`no leaf ${m} in a tree of ${n}`);
  const out: Range[] = [];
  const go = (lo: number, hi: number): void => {
    if (hi - lo === 1) return;
    const k = split(hi - lo);
    if (m - lo < k) {
      go(lo, lo + k);
      out.push([lo + k, hi]);
    } else {
      go(lo + k, hi);
      out.push([lo, lo + k]);
    }
  };
  go(0, n);
  return out;
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]): the subtrees whose hashes form the consistency proof from size m to n. */
export function consistencyRanges(m: number, n: number): Range[] {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 1 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  const out: Range[] = [];
  const go = (size: number, lo: number, hi: number, whole: boolean): void => {
    if (size === hi - lo) {
      if (!whole) out.push([lo, hi]);
      return;
    }
    const k = split(hi - lo);
    if (size <= k) {
      go(size, lo, lo + k, whole);
      out.push([lo + k, hi]);
    } else {
      go(size - k, lo + k, hi, false);
      out.push([lo, lo + k]);
    }
  };
  go(m, 0, n, true);
  return out;
}

/**
 * A range proof: the subtrees outside leaves [a, b) that, with those leaves, give the root of a tree of
 * n leaves (in the order rootFromRange consumes them). Verifies a whole stretch of the log at once.
 */
export function rangeProofRanges(a: number, b: number, n: number): Range[] {
  if (!(a >= 0 && a < b && b <= n)) throw new RangeError(`no range [${a}, ${b}) in a tree of ${n}`);
  const out: Range[] = [];
  const go = (lo: number, hi: number): void => {
    if (hi <= a || lo >= b) out.push([lo, hi]);
    else if (hi - lo > 1 && !(a <= lo && hi <= b)) {
      const k = split(hi - lo);
      go(lo, lo + k);
      go(lo + k, hi);
    }
  };
  go(0, n);
  return out;
}

/** The root of a tree of n leaves from the leaf hashes of [a, a + leaves.length) and their range proof; null when the proof has the wrong length. */
export function rootFromRange(leaves: readonly Uint8Array[], a: number, n: number, proof: readonly Uint8Array[]): Buffer | null {
  const b = a + leaves.length;
  if (!(a >= 0 && a < b && b <= n)) return null;
  let i = 0;
  const go = (lo: number, hi: number): Buffer | null => {
    if (hi <= a || lo >= b) return i < proof.length ? Buffer.from(proof[i++] as Uint8Array) : null;
    if (hi - lo === 1) return Buffer.from(leaves[lo - a] as Uint8Array);
    const k = split(hi - lo);
    const l = go(lo, lo + k);
    const r = l && go(lo + k, hi);
    return l && r ? nodeHash(l, r) : null;
  };
  const root = go(0, n);
  return root && i === proof.length ? root : null;
}

const eq = (x: Uint8Array, y: Uint8Array): boolean => Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0;

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when its shape is wrong for (index, size). */
export function rootFromInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer | null {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return null;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return null;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else r = nodeHash(r, p);
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const r = rootFromInclusion(index, size, leaf, proof);
  return r !== null && eq(r, root);
}

/** RFC 9162 §2.1.4.2, with equal sizes needing an empty proof and equal roots. */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): boolean {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 >= 0 && size1 <= size2)) return false;
  if (size1 === size2) return proof.length === 0 && eq(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = Buffer.from(path[0] as Uint8Array);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else sr = nodeHash(sr, c);
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && eq(fr, root1) && eq(sr, root2);
}
