import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leafHash } from './hash.js';
import { CANONICAL_FIELDS_V1, CANONICAL_SEQ_PREFIX, canonicalEntry, canonicalJson, entryLeafHash, leafSuffix, personalCommitment, type CommittedEntry } from './canonical.js';

const SALT = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const ACTOR = { type: 'User', id: 'u-1', client: 'billing', email: 'ana@example.com', name: 'Ana Lima', ip: '203.0.113.9' };
const ENTRY: CommittedEntry = {
  seq: 7,
  id: '0190f3c4-0000-7000-8000-000000000001',
  timestamp: '2026-01-02T03:04:05.678Z',
  event: 'SecretRead',
  actor: ACTOR,
  projectSlug: 'my-api',
  environmentSlug: 'production',
  resource: 'DB_URL',
  outcome: 'Success',
  requestId: 'req-1',
  userAgent: 'bella-cli/1.0',
  reason: null,
  details: { version: 3, b: [1, 'x', null], a: { z: true, y: 'é\u0001' } },
  personalHash: personalCommitment(SALT, ACTOR),
};

/** Fixed vectors: changing the canonical form (or a field's place) must fail here and bump the version. */
describe('the canonical form of an entry (version 1)', () => {
  it('commits the personal fields through a salted hash', () => {
    // Pinned (computed independently: sha256(b'bella-personal/1\x00' + salt + b'["ana@example.com","Ana Lima","203.0.113.9"]')).
    expect(personalCommitment(SALT, ACTOR)).toBe('a1f0163331cf4365e2b4aaf1860f628d8734a54080393c15a63601de113a53bd');
    expect(personalCommitment(SALT, { ...ACTOR, ip: '203.0.113.10' })).not.toBe(personalCommitment(SALT, ACTOR));
    expect(personalCommitment(Buffer.alloc(16), ACTOR)).not.toBe(personalCommitment(SALT, ACTOR));
  });

  it('is the documented JSON array, field by field, with no personal value in it', () => {
    const text = canonicalEntry(ENTRY).toString('utf8');
    expect(text).toBe(
      `["bella-audit-entry/1",7,"0190f3c4-0000-7000-8000-000000000001","2026-01-02T03:04:05.678Z","SecretRead","User","u-1","billing",` +
        `"${ENTRY.personalHash}","my-api","production","DB_URL","Success","req-1","bella-cli/1.0",null,` +
        `{"a":{"y":"é\\u0001","z":true},"b":[1,"x",null],"version":3}]`,
    );
    expect(text).not.toContain('ana@example.com');
    expect(text).not.toContain('203.0.113.9');
    expect(CANONICAL_FIELDS_V1.map(([n]) => n)).toEqual([
      'seq', 'id', 'timestamp', 'event', 'actor.type', 'actor.id', 'actor.client', 'actor.personal', 'projectSlug', 'environmentSlug', 'resource', 'outcome',
      'requestId', 'userAgent', 'reason', 'details',
    ]);
  });

  it('pins the leaf hash of fixed vectors', () => {
    const fixed: CommittedEntry = { ...ENTRY, personalHash: 'ab'.repeat(32) };
    expect(entryLeafHash(fixed).toString('hex')).toBe(PINNED_LEAF);
    const nulls: CommittedEntry = {
      ...fixed, actor: { type: 'System', id: null, email: null, name: null, ip: null }, projectSlug: null, environmentSlug: null, resource: null, requestId: null, userAgent: null, details: {},
    };
    expect(canonicalEntry(nulls).toString()).toBe(
      `["bella-audit-entry/1",7,"0190f3c4-0000-7000-8000-000000000001","2026-01-02T03:04:05.678Z","SecretRead","System",null,null,"${'ab'.repeat(32)}",null,null,null,"Success",null,null,null,{}]`,
    );
    expect(entryLeafHash(nulls).toString('hex')).toBe(PINNED_NULLS_LEAF);
  });

  it('writes a lone surrogate as U+FFFD (as both stores give it back), in any field', () => {
    const lone: CommittedEntry = { ...ENTRY, resource: 'a\uD800b', details: { k: 'x\uDC00' } };
    const text = canonicalEntry(lone).toString('utf8');
    expect(text).toContain('"a\uFFFDb"');
    expect(text).toContain('"x\uFFFD"');
    expect(canonicalEntry(lone)).toEqual(canonicalEntry({ ...lone, resource: 'a\uFFFDb', details: { k: 'x\uFFFD' } }));
    // A literal backslash-u in a value is just text.
    expect(canonicalEntry({ ...ENTRY, resource: '\\ud800' }).toString()).toContain('"\\\\ud800"');
  });

  it('sorts keys and refuses values JSON cannot carry', () => {
    expect(canonicalJson({ b: 1, a: [undefined, 2], c: undefined })).toBe('{"a":[null,2],"b":1}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
    expect(() => canonicalJson({ x: 1n })).toThrow();
  });
});

describe('the one-shot hashes agree with the definitions', () => {
  const personalRef = (salt: Uint8Array, a: { email: string | null; name: string | null; ip: string | null }) =>
    createHash('sha256').update('bella-personal/1\0').update(salt).update(canonicalJson([a.email, a.name, a.ip])).digest('hex');

  it('entryLeafHash is leafHash(canonicalEntry) for every kind of entry', () => {
    const entries: CommittedEntry[] = [
      ENTRY,
      { ...ENTRY, resource: 'a\uD800b', userAgent: 'é€😀', details: { k: 'x\uDC00', n: [true, false, null] } },
      { ...ENTRY, seq: 2 ** 40, resource: '\\ud800', reason: 'r'.repeat(5000) },
      { ...ENTRY, actor: { type: 'System', id: null, email: null, name: null, ip: null }, details: {} },
    ];
    for (const e of entries) expect(entryLeafHash(e).toString('hex')).toBe(leafHash(canonicalEntry(e)).toString('hex'));
  });

  it('leafSuffix completes the leaf for any seq: SHA-256(0x00 ‖ prefix ‖ seq ‖ suffix), as PostgreSQL computes it', () => {
    const entries: CommittedEntry[] = [
      ENTRY,
      { ...ENTRY, resource: 'a\uD800b', userAgent: 'é€😀', details: { k: 'x\uDC00', n: [true, false, null] } },
      { ...ENTRY, seq: 1, resource: '\\ud800', reason: 'r'.repeat(5000) },
      { ...ENTRY, actor: { type: 'System', id: null, email: null, name: null, ip: null }, details: {} },
    ];
    expect(CANONICAL_SEQ_PREFIX).toBe('["bella-audit-entry/1",');
    for (const e of entries) {
      // The suffix does not depend on the seq it was computed with.
      const suffix = leafSuffix(e);
      expect(leafSuffix({ ...e, seq: 123_456 })).toEqual(suffix);
      expect(suffix.toString('utf8').startsWith(',')).toBe(true);
      for (const seq of [1, 9, 10, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
        const byParts = createHash('sha256').update(Buffer.from([0])).update(CANONICAL_SEQ_PREFIX + String(seq)).update(suffix).digest('hex');
        expect(byParts).toBe(entryLeafHash({ ...e, seq }).toString('hex'));
      }
    }
  });

  it('personalCommitment is the documented hash, short or long, ASCII or not, one after another', () => {
    const actors = [
      ACTOR,
      { email: null, name: null, ip: null },
      { email: 'é€😀@example.com', name: 'Zoë \uD800', ip: '::1' },
      { email: `${'x'.repeat(3000)}@example.com`, name: 'long', ip: '10.0.0.1' },
      { email: 'a@b.c', name: 'é'.repeat(700), ip: null },
    ];
    for (const a of actors) for (const salt of [SALT, Buffer.alloc(16, 0xff), Buffer.alloc(32, 7)]) expect(personalCommitment(salt, a)).toBe(personalRef(salt, a));
  });
});

// sha256(0x00 ‖ the canonical text), computed independently of this code.
const PINNED_LEAF = '11dd4fd7b878485c1030cbca894eef3cadeaf9f72c474826234f54ed2fac5529';
const PINNED_NULLS_LEAF = 'b9fac2ccd3e55eb40e7411ec06760fb7a8246a9fe7def0045cc81f4ef008824c';
