import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Envelope encryption: each project has a random 256-bit data key, stored wrapped (AES-256-GCM) by the
 * master key; secret values are sealed with the data key, bound by AAD to project/env/key/version so a
 * ciphertext cannot be moved to another secret. Layout of a sealed blob: iv(12) | tag(16) | ciphertext.
 */
const IV = 12;
const TAG = 16;

export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), ct]);
}

export function open(key: Buffer, blob: Buffer, aad: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(blob.subarray(IV, IV + TAG));
  return Buffer.concat([d.update(blob.subarray(IV + TAG)), d.final()]);
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}

/** The master key file: created with mode 0600 on first start when BELLA_MASTER_KEY is not set. */
export function loadOrCreateMasterKey(dataDir: string): { key: Buffer; created: boolean; file: string } {
  const file = join(dataDir, 'master.key');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is not a 64-hex-character master key`);
    return { key: Buffer.from(hex, 'hex'), created: false, file };
  }
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, created: true, file };
}

/** Caches unwrapped project data keys: unwrapping on every read would cost a GCM open per request. */
export class KeyRing {
  private readonly cache = new Map<string, Buffer>();
  private readonly opened = new WeakMap<Buffer, { purpose: string; plain: Buffer }>();
  constructor(private readonly master: Buffer) {}

  wrap(dataKey: Buffer, projectId: string): Buffer {
    return seal(this.master, dataKey, `project-key:${projectId}`);
  }

  dataKey(projectId: string, wrapped: Buffer): Buffer {
    let k = this.cache.get(projectId);
    if (!k) {
      k = open(this.master, wrapped, `project-key:${projectId}`);
      this.cache.set(projectId, k);
    }
    return k;
  }

  /** For values the server itself must keep secret (API-key signing keys). */
  sealInstance(plain: Buffer, purpose: string): Buffer {
    return seal(this.master, plain, `instance:${purpose}`);
  }

  /**
   * Opened once per stored blob object: the read cache (store/read-cache.ts) hands out the same row, so
   * a signed request's signing key is not unwrapped on every request. Keyed by the blob itself (a
   * changed row is a new object), so the result is always what opening it would give.
   */
  openInstance(blob: Buffer, purpose: string): Buffer {
    const known = this.opened.get(blob);
    if (known && known.purpose === purpose) return known.plain;
    const plain = open(this.master, blob, `instance:${purpose}`);
    this.opened.set(blob, { purpose, plain });
    return plain;
  }
}
