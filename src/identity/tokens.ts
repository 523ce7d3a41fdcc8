import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Session tokens: bst_ + 64 hex; only their SHA-256 is stored. */
export const SESSION_TOKEN_RE = /^bst_[0-9a-f]{64}$/;
export const SESSION_TTL_MS = 12 * 3600_000;

export const sha256hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
export const newSessionToken = (): string => `bst_${randomBytes(32).toString('hex')}`;
export const newApiKeyParts = (): { id: string; secret: string } => ({
  id: randomBytes(8).toString('hex'),
  secret: randomBytes(24).toString('hex'),
});

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
