/**
 * Tokens the server issues for a limited time: leases (`bax-lease-…`) and trust tokens from a keyless
 * OIDC exchange (`bax-trust-…`). Both are Bearer tokens: `bax-{kind}-{16 hex id}-{48 hex secret}`.
 * The kind word is not hex, so an issued token can never parse as an API key (`bax-{16 hex}-{48 hex}`,
 * signing.ts) and the authenticator tells them apart by shape alone, before any lookup.
 */
export const ISSUED_TOKEN_KINDS = ['lease', 'trust'] as const;
export type IssuedTokenKind = (typeof ISSUED_TOKEN_KINDS)[number];

export const ISSUED_TOKEN_RE = /^bax-(lease|trust)-([0-9a-f]{16})-([0-9a-f]{48})$/;

export function parseIssuedToken(token: string): { kind: IssuedTokenKind; id: string; secret: string } | null {
  const m = ISSUED_TOKEN_RE.exec(token);
  return m ? { kind: m[1] as IssuedTokenKind, id: m[2] as string, secret: m[3] as string } : null;
}

/** Durations on the wire and in flags: 90s, 15m, 4h, 2d (whole units). */
export const DURATION_RE = /^([1-9][0-9]{0,6})([smhd])$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds of a duration like "4h", or null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
}

/** The shortest exact form of a number of seconds: 86400 → "1d", 5400 → "90m". */
export function formatDuration(seconds: number): string {
  for (const [unit, n] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (seconds % n === 0) return `${seconds / n}${unit}`;
  return `${seconds}s`;
}
