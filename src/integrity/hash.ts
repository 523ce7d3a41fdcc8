import { createHash } from 'node:crypto';

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

/** SHA-256(0x01 ‖ left ‖ right) */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
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
