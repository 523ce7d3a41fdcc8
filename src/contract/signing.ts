import { createHash, createHmac } from 'node:crypto';

/**
 * The API-key request signature (shared by server and CLI). Two forms, told apart by the timestamp:
 *
 * Bella's own (the CLI):
 *   X-Bella-Key-Id:    the key id (the part between "bax-" and the second "-")
 *   X-Bella-Timestamp: Unix seconds
 *   X-Bella-Nonce:     optional, 16–64 characters [A-Za-z0-9_-], different for every request
 *   X-Bella-Signature: hex HMAC-SHA256(signingKey, METHOD\npath\nsortedQuery\ntimestamp\nsha256hex(body)[\nnonce])
 * where signingKey = HMAC-SHA256(secret, "bella-request-signing-v1") so the server never needs the secret itself.
 *
 * The published SDK's (@bella-baxter/sdk, its auth-provider.ts and baxter-client.ts):
 *   X-Bella-Timestamp: ISO 8601 UTC to the second, 2026-12-04T10:37:32Z
 *   X-Bella-Signature: hex HMAC-SHA256(hexDecode(secret), METHOD\npath\nsdkQuery\ntimestamp\nsha256hex(body)[\nnonce])
 * where sdkQuery sorts the decoded pairs by name only, with String.prototype.localeCompare (stable, so
 * a repeated name keeps its order), and re-encodes them with encodeURIComponent.
 *
 * A signature is accepted once: without a nonce, the same request twice in one second is a replay,
 * except for the nonce-less GETs identity/replay-guard.ts lets repeat (docs/api.md, "Signed requests").
 */
export const NONCE_RE = /^[A-Za-z0-9_-]{16,64}$/;
export const API_KEY_RE = /^bax-([0-9a-f]{16})-([0-9a-f]{48})$/;
export const SIGNATURE_MAX_SKEW_SECONDS = 300;

export function parseApiKey(key: string): { id: string; secret: string } | null {
  const m = API_KEY_RE.exec(key);
  return m ? { id: m[1] as string, secret: m[2] as string } : null;
}

/** The SDK's timestamp: ISO 8601 UTC to the second (milliseconds tolerated, as other SDKs may send them). */
export const ISO_TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
export const UNIX_TIMESTAMP_RE = /^\d{1,12}$/;

/** Which form a signed request uses, by its X-Bella-Timestamp; null when it is neither. */
export type SignatureForm = 'bella' | 'sdk';
export function signatureForm(timestamp: string): SignatureForm | null {
  if (UNIX_TIMESTAMP_RE.test(timestamp)) return 'bella';
  return ISO_TIMESTAMP_RE.test(timestamp) && Number.isFinite(Date.parse(timestamp)) ? 'sdk' : null;
}

/** The signed instant in Unix seconds (either form); NaN when malformed. */
export function timestampSeconds(timestamp: string): number {
  const form = signatureForm(timestamp);
  if (form === 'bella') return Number(timestamp);
  if (form === 'sdk') return Math.floor(Date.parse(timestamp) / 1000);
  return Number.NaN;
}

/** The SDK's HMAC key: the secret's hex decoded to bytes (24 bytes for a bax- key). */
export function sdkSigningKey(secret: string): Buffer {
  return Buffer.from(secret, 'hex');
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

/** The SDK's query form: decoded pairs sorted by name with localeCompare (stable), re-encoded, joined with &. */
export function sdkCanonicalQuery(search: string): string {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const pairs = [...params.entries()].sort(([a], [b]) => a.localeCompare(b));
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** The SDK's string to sign (its form of the timestamp and query; a nonce, if any, appended as in Bella's form). */
export function sdkStringToSign(method: string, path: string, search: string, timestamp: string, body: string | Buffer, nonce?: string | null): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const base = `${method.toUpperCase()}\n${path}\n${sdkCanonicalQuery(search)}\n${timestamp}\n${bodyHash}`;
  return nonce ? `${base}\n${nonce}` : base;
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
