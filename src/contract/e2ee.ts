import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

/**
 * End-to-end encryption of responses that carry secret values, as the published SDK
 * (@bella-baxter/sdk, its e2ee.ts) decrypts them. The client sends its P-256 public key (SPKI DER,
 * base64) in X-E2E-Public-Key; the server answers with a fresh P-256 key per response:
 *   shared  = ECDH(server private, client public)                     32 bytes
 *   aesKey  = HKDF-SHA256(shared, salt = 32 zero bytes, info = "bella-e2ee-v1", 32 bytes)
 *   body    = AES-256-GCM(aesKey, 12-byte nonce, JSON of the plain response)
 * So a proxy, a load balancer's log or a TLS-terminating middlebox sees ciphertext only.
 */
export const E2EE_HEADER = 'x-e2e-public-key';
export const E2EE_ALGORITHM = 'ECDH-P256-HKDF-SHA256-AES256GCM';
const INFO = Buffer.from('bella-e2ee-v1');
const SALT = Buffer.alloc(32);
/** A P-256 SPKI is 91 bytes (124 base64 characters); anything much longer is not one. */
const PUBLIC_KEY_B64_RE = /^[A-Za-z0-9+/]{40,400}={0,2}$/;

export interface E2EPayload {
  readonly encrypted: true;
  readonly algorithm: typeof E2EE_ALGORITHM;
  /** The server's one-time P-256 public key, SPKI DER base64 */
  readonly serverPublicKey: string;
  readonly nonce: string;
  readonly tag: string;
  readonly ciphertext: string;
}

/** The client key of an X-E2E-Public-Key header, or a sentence saying what is wrong with it. */
export function parseE2EPublicKey(header: string): { key: KeyObject } | { error: string } {
  const bad = { error: 'X-E2E-Public-Key must be a P-256 public key: SPKI DER, base64 (the SDK sends it so)' };
  if (!PUBLIC_KEY_B64_RE.test(header)) return bad;
  try {
    const key = createPublicKey({ key: Buffer.from(header, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return bad;
    return { key };
  } catch {
    return bad;
  }
}

const aesKey = (shared: Buffer) => Buffer.from(hkdfSync('sha256', shared, SALT, INFO, 32));

/** Encrypts the JSON of `plain` to the client's key with a fresh server key. */
export function encryptFor(clientKey: KeyObject, plain: unknown): E2EPayload {
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = aesKey(diffieHellman({ privateKey: server.privateKey, publicKey: clientKey }));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
  return {
    encrypted: true,
    algorithm: E2EE_ALGORITHM,
    serverPublicKey: server.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    nonce: nonce.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

/** A client's one-time key pair (Bella's CLI makes one per command). */
export interface E2EKeyPair {
  readonly publicKeyB64: string;
  decrypt(payload: E2EPayload): unknown;
}

export function isE2EPayload(v: unknown): v is E2EPayload {
  return typeof v === 'object' && v !== null && (v as { encrypted?: unknown }).encrypted === true;
}

export function newE2EKeyPair(): E2EKeyPair {
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKeyB64: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    decrypt(payload) {
      if (payload.algorithm !== E2EE_ALGORITHM) throw new Error(`unknown end-to-end encryption algorithm ${JSON.stringify(String(payload.algorithm).slice(0, 64))}`);
      const serverKey = createPublicKey({ key: Buffer.from(payload.serverPublicKey, 'base64'), format: 'der', type: 'spki' });
      const key = aesKey(diffieHellman({ privateKey: pair.privateKey, publicKey: serverKey }));
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(payload.nonce, 'base64'));
      decipher.setAuthTag(Buffer.from(payload.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(payload.ciphertext, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    },
  };
}
