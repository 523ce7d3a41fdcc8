import { createHash, createHmac } from 'node:crypto';

/**
 * The API-key request signature (shared by server and CLI):
 *   X-Bella-Key-Id:    the key id (the part between "bax-" and the second "-")
 *   X-Bella-Timestamp: Unix seconds
 *   X-Bella-Nonce:     optional, 16–64 characters [A-Za-z0-9_-], different for every request
 *   X-Bella-Signature: hex HMAC-SHA256(signingKey, METHOD\npath\nsortedQuery\ntimestamp\nsha256hex(body)[\nnonce])
 * where signingKey = HMAC-SHA256(secret, "bella-request-signing-v1") so the server never needs the secret itself.
 * A signature is accepted once: without a nonce, the same request twice in one second is a replay.
 */
export const NONCE_RE = /^[A-Za-z0-9_-]{16,64}$/;
export const API_KEY_RE = /^bax-([0-9a-f]{16})-([0-9a-f]{48})$/;
export const SIGNATURE_MAX_SKEW_SECONDS = 300;

export function parseApiKey(key: string): { id: string; secret: string } | null {
  const m = API_KEY_RE.exec(key);
  return m ? { id: m[1] as string, secret: m[2] as string } : null;
}

export function deriveSigningKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('bella-request-signing-v1').digest();
}

/** Query string canonical form: decoded pairs sorted by name then value, re-encoded, joined with &. */
export function canonicalQuery(search: string): string {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const pairs = [...params.entries()].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export function stringToSign(method: string, path: string, search: string, timestamp: string, body: string | Buffer, nonce?: string | null): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const base = `${method.toUpperCase()}\n${path}\n${canonicalQuery(search)}\n${timestamp}\n${bodyHash}`;
  return nonce ? `${base}\n${nonce}` : base;
}

export function signRequest(
  signingKey: Buffer,
  method: string,
  path: string,
  search: string,
  timestamp: string,
  body: string | Buffer,
  nonce?: string | null,
): string {
  return createHmac('sha256', signingKey).update(stringToSign(method, path, search, timestamp, body, nonce)).digest('hex');
}
