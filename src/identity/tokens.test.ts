import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { matchesSha256, sha256hex } from './tokens.js';

const reference = (s: string) => createHash('sha256').update(s).digest('hex');

describe('token hashing', () => {
  it('sha256hex is the hex SHA-256 of the UTF-8 bytes (what the stored hashes were made with)', () => {
    for (const s of ['', 'bst_00ff', 'é€😀', 'x'.repeat(1000)]) expect(sha256hex(s)).toBe(reference(s));
    expect(sha256hex(Buffer.from([0, 1, 2]))).toBe(createHash('sha256').update(Buffer.from([0, 1, 2])).digest('hex'));
  });

  it('matchesSha256 accepts exactly the secret whose digest is stored', () => {
    const secret = 'a'.repeat(48);
    const stored = reference(secret);
    expect(matchesSha256(stored, secret)).toBe(true);
    expect(matchesSha256(stored.toUpperCase(), secret)).toBe(true);
    expect(matchesSha256(stored, `${secret}b`)).toBe(false);
    expect(matchesSha256(stored, '')).toBe(false);
    expect(matchesSha256(reference('other'), secret)).toBe(false);
    // Interleaved checks share the scratch buffer: each one sees its own stored digest.
    expect(matchesSha256(reference('one'), 'one') && !matchesSha256(reference('two'), 'one') && matchesSha256(reference('two'), 'two')).toBe(true);
  });

  it('matchesSha256 refuses a malformed stored digest', () => {
    const secret = 'b'.repeat(48);
    const stored = reference(secret);
    expect(matchesSha256('', secret)).toBe(false);
    expect(matchesSha256(stored.slice(0, 62), secret)).toBe(false);
    expect(matchesSha256(`${stored}00`, secret)).toBe(false);
    expect(matchesSha256(`zz${stored.slice(2)}`, secret)).toBe(false);
  });
});
