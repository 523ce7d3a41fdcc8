import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Session tokens: bst_ + 64 hex; only their SHA-256 is stored. */
export const SESSION_TOKEN_RE = /^bst_[0-9a-f]{64}$/;
export const SESSION_TTL_MS = 12 * 3600_000;

/** One-shot (crypto.hash): no Hash object per call, a third of createHash's cost on a short token. */
export const sha256hex = (s: string | Buffer): string => hash('sha256', s, 'hex');
export const newSessionToken = (): string => `bst_${randomBytes(32).toString('hex')}`;
export const newApiKeyParts = (): { id: string; secret: string } => ({
  id: randomBytes(8).toString('hex'),
  secret: randomBytes(24).toString('hex'),
});

/** Scratch for matchesSha256: both digests are decoded into them, not into new Buffers per request. */
const stored = Buffer.alloc(32);
const presented = Buffer.alloc(32);

/**
 * Whether SHA-256(secret) is the stored hex digest, compared in constant time: the presented secret is
 * hashed once, one-shot, and both digests decoded into scratch buffers (used synchronously only).
 */
export function matchesSha256(storedHex: string, secret: string): boolean {
  if (storedHex.length !== 64 || stored.write(storedHex, 'hex') !== 32) return false;
  // Hex then decoded: on Node 20 crypto.hash's 'buffer' output costs more than the hex round trip.
  presented.write(hash('sha256', secret, 'hex'), 'hex');
  return timingSafeEqual(presented, stored);
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
