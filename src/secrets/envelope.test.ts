import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyRing, loadOrCreateMasterKey, newDataKey, open, seal } from './envelope.js';

const KEY = randomBytes(32);
const PLAIN = Buffer.from('postgres://user:hunter2@db/prod', 'utf8');
const AAD = 'project/env/DB_URL/v1';

/** Flips one bit of a copy at `at`. */
const flip = (b: Buffer, at: number) => {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 0x01;
  return c;
};

describe('seal and open (AES-256-GCM)', () => {
  it('open returns what seal sealed; the blob is iv(12) | tag(16) | ciphertext and hides the plaintext', () => {
    const blob = seal(KEY, PLAIN, AAD);
    expect(blob.length).toBe(12 + 16 + PLAIN.length);
    expect(blob.includes(PLAIN)).toBe(false);
    expect(open(KEY, blob, AAD)).toEqual(PLAIN);
  });

  it('each seal uses a fresh iv, so equal values give different blobs', () => {
    const a = seal(KEY, PLAIN, AAD);
    const b = seal(KEY, PLAIN, AAD);
    expect(a.subarray(0, 12)).not.toEqual(b.subarray(0, 12));
    expect(a).not.toEqual(b);
  });

  it('empty and large values round-trip', () => {
    expect(open(KEY, seal(KEY, Buffer.alloc(0), AAD), AAD)).toEqual(Buffer.alloc(0));
    const big = randomBytes(65536);
    expect(open(KEY, seal(KEY, big, AAD), AAD)).toEqual(big);
  });

  it('a tampered ciphertext, tag or iv fails to open', () => {
    const blob = seal(KEY, PLAIN, AAD);
    for (const at of [0, 11, 12, 27, 28, blob.length - 1]) {
      expect(() => open(KEY, flip(blob, at), AAD), `bit flipped at ${at}`).toThrow();
    }
    expect(() => open(KEY, blob.subarray(0, blob.length - 1), AAD)).toThrow();
    expect(() => open(KEY, Buffer.concat([blob, Buffer.from([0])]), AAD)).toThrow();
  });

  it('a ciphertext moved to another secret (different AAD) fails to open', () => {
    const blob = seal(KEY, PLAIN, AAD);
    for (const other of ['project/env/DB_URL/v2', 'project/env/OTHER/v1', 'project/env2/DB_URL/v1', '', `${AAD} `]) {
      expect(() => open(KEY, blob, other), other).toThrow();
    }
  });

  it('the wrong key fails to open', () => {
    expect(() => open(randomBytes(32), seal(KEY, PLAIN, AAD), AAD)).toThrow();
  });

  it('data keys are random 32-byte keys', () => {
    const a = newDataKey();
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(newDataKey());
  });
});

describe('KeyRing', () => {
  const ring = new KeyRing(KEY);

  it('wraps a project data key under the master key and unwraps it only for that project', () => {
    const dk = newDataKey();
    const wrapped = ring.wrap(dk, 'project-1');
    expect(wrapped.includes(dk)).toBe(false);
    expect(new KeyRing(KEY).dataKey('project-1', wrapped)).toEqual(dk);
    expect(() => new KeyRing(KEY).dataKey('project-2', wrapped)).toThrow();
    expect(() => new KeyRing(randomBytes(32)).dataKey('project-1', wrapped)).toThrow();
    expect(() => new KeyRing(KEY).dataKey('project-1', flip(wrapped, 30))).toThrow();
  });

  it('instance secrets are bound to their purpose', () => {
    const blob = ring.sealInstance(Buffer.from('signing-key'), 'api-key-signing:abc');
    expect(ring.openInstance(blob, 'api-key-signing:abc').toString()).toBe('signing-key');
    expect(() => ring.openInstance(blob, 'api-key-signing:abd')).toThrow();
  });
});

describe('loadOrCreateMasterKey', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'bella-key-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('creates a 32-byte key file with mode 0600 on first start and loads the same key afterwards', () => {
    const dir = join(tmp(), 'data');
    const first = loadOrCreateMasterKey(dir);
    expect(first.created).toBe(true);
    expect(first.key).toHaveLength(32);
    expect(first.file).toBe(join(dir, 'master.key'));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(readFileSync(first.file, 'utf8')).toBe(`${first.key.toString('hex')}\n`);
    const again = loadOrCreateMasterKey(dir);
    expect(again.created).toBe(false);
    expect(again.key).toEqual(first.key);
  });

  it('refuses a key file that is not 64 hex characters instead of replacing it', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'master.key'), 'not-a-key\n');
    expect(() => loadOrCreateMasterKey(dir)).toThrow(/not a 64-hex-character master key/);
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe('not-a-key\n');
  });
});
