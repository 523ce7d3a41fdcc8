import { EMPTY_ROOT, nodeHash } from './hash.js';
import type { NodeKey } from './merkle.js';

/**
 * The tree's right edge (a compact range): the roots of the perfect subtrees that make up a tree of
 * `size` leaves, largest (leftmost) first, one per set bit of size. With it the tree is extended and its
 * root computed without reading any stored node.
 */
export interface TreeEdge {
  readonly size: number;
  readonly frontier: readonly Buffer[];
}

export const EMPTY_EDGE: TreeEdge = Object.freeze({ size: 0, frontier: Object.freeze([]) as readonly Buffer[] });

/** A node to store: its key and hash. Every complete subtree is stored once, when it completes. */
export interface NewNode {
  readonly key: NodeKey;
  readonly hash: Buffer;
}

/** Appends leaf hashes; returns the new edge and every node that became complete (the leaves included). */
export function extend(edge: TreeEdge, leaves: readonly Buffer[]): { edge: TreeEdge; nodes: NewNode[] } {
  const frontier = [...edge.frontier];
  const nodes: NewNode[] = [];
  let size = edge.size;
  for (const leaf of leaves) {
    let h = leaf;
    let level = 0;
    let index = size;
    nodes.push({ key: [0, index], hash: h });
    while (index % 2 === 1) {
      h = nodeHash(frontier.pop() as Buffer, h);
      level++;
      index = Math.floor(index / 2);
      nodes.push({ key: [level, index], hash: h });
    }
    frontier.push(h);
    size++;
  }
  return { edge: { size, frontier }, nodes };
}

/** MTH of the tree the edge describes. */
export function edgeRoot(edge: TreeEdge): Buffer {
  const f = edge.frontier;
  if (f.length === 0) return EMPTY_ROOT;
  let r = f[f.length - 1] as Buffer;
  for (let i = f.length - 2; i >= 0; i--) r = nodeHash(f[i] as Buffer, r);
  return r;
}

/** Stored form of the frontier: the hashes concatenated. */
export const packFrontier = (f: readonly Buffer[]): Buffer => Buffer.concat(f);

export function unpackFrontier(size: number, blob: Uint8Array): Buffer[] {
  let bits = 0;
  for (let s = size; s > 0; s = Math.floor(s / 2)) bits += s % 2;
  if (blob.length !== bits * 32) throw new Error(`the stored tree edge has ${blob.length} bytes; a tree of ${size} needs ${bits * 32}`);
  const out: Buffer[] = [];
  for (let i = 0; i < bits; i++) out.push(Buffer.from(blob.subarray(i * 32, i * 32 + 32)));
  return out;
}

