import { createHash, hash } from 'node:crypto';

/** RFC 6962 §2.1 / RFC 9162 §2.1.1: SHA-256 with a one-byte domain separator for leaves and nodes. */
export const HASH_SIZE = 32;
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

/** MTH({}) = SHA-256() */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** SHA-256(0x00 ‖ data) */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF).update(data).digest();
}

/** 0x01, then the two children of one node at a time (used synchronously only). */
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

/** SHA-256(0x01 ‖ left ‖ right); one-shot over a scratch buffer when both children are hash-sized (always, in a tree). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return createHash('sha256').update(NODE).update(left).update(right).digest();
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  // Hex then decoded: on Node 20 crypto.hash's 'buffer' output costs more than the hex round trip.
  return Buffer.from(hash('sha256', nodeScratch, 'hex'), 'hex');
}

/** The largest power of two strictly less than n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

/** Arithmetic, not bitwise: sizes may exceed 2^31. */
export const lsb = (x: number): boolean => x % 2 === 1;
export const half = (x: number): number => Math.floor(x / 2);
