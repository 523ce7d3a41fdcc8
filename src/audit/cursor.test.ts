import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const KEY = randomBytes(32);

/** A deterministic generator (mulberry32), so a failure names a reproducible case. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['.', '-', '_', 'a', 'Z', '0', '=', '%', '\u00e9', '\u20ac', '\u202e', '\u0000', '\ud83d\ude00', '\ud800', ' ', '\n'];

function randomCursor(r: () => number, valid: string): string {
  const kind = Math.floor(r() * 4);
  const len = Math.floor(r() * 60);
  const chars = Array.from({ length: len }, () => (r() < 0.5 ? (ALPHABET[Math.floor(r() * ALPHABET.length)] as string) : String.fromCodePoint(Math.floor(r() * 0x2ffff) % 0x10ffff)));
  if (kind === 0) return chars.join('');
  // Same shape as a real cursor: body.tag, with characters of the tag or the body replaced.
  const [body, tag] = valid.split('.') as [string, string];
  if (kind === 1) return `${body}.${tag.slice(0, Math.max(0, tag.length - chars.length))}${chars.join('')}`.slice(0, body.length + 1 + tag.length);
  if (kind === 2) return `${chars.join('')}.${tag}`;
  return `${body}.${chars.join('')}`;
}

describe('pagination cursors', () => {
  it('round-trip the seq they were issued for, for the log they were issued for', () => {
    const c = encodeCursor(KEY, 'audit', 12345);
    expect(decodeCursor(KEY, 'audit', c)).toBe(12345);
    expect(() => decodeCursor(KEY, 'access', c)).toThrow(DomainError);
    expect(() => decodeCursor(randomBytes(32), 'audit', c)).toThrow(DomainError);
  });

  it('a tag of non-ASCII characters as long as a real one is an invalid_cursor, not an internal error', () => {
    const [body] = encodeCursor(KEY, 'audit', 7).split('.') as [string];
    expect(() => decodeCursor(KEY, 'audit', `${body}.${'\u00e9'.repeat(22)}`)).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });

  it('any malformed cursor, from 5,000 random ones, is refused as invalid_cursor and never anything else', () => {
    const valid = encodeCursor(KEY, 'audit', 99);
    const r = rng(20261201);
    for (let i = 0; i < 5000; i++) {
      const c = randomCursor(r, valid);
      if (c === valid) continue;
      let error: unknown = null;
      try {
        decodeCursor(KEY, 'audit', c);
      } catch (e) {
        error = e;
      }
      expect(error, `case ${i}: ${JSON.stringify(c)}`).toBeInstanceOf(DomainError);
      expect((error as DomainError).code, `case ${i}`).toBe('invalid_cursor');
    }
  });
});
