import type { LoginAttemptRow, StoreTx } from '../store/ports.js';
import { sha256hex } from './tokens.js';

/*
 * Failed-login throttling, kept in the store so every node sees one count (PostgreSQL) and a restart
 * forgets nothing. An attempt counts when it starts, before the password hash is checked: concurrent
 * guesses cannot all slip past a check made before any of them failed. A success clears its count.
 *
 * Two counters per attempt:
 *  - the (account, address) pair: after `perPair` attempts the pair waits 1 s, 2 s, 4 s … (capped),
 *    so an attacker locks out only itself: the account's owner elsewhere logs in as usual;
 *  - the address across accounts (spraying): after `perAddress` attempts, the same growing wait.
 * A counter resets after `windowMs` without an attempt and without a lock. Throttled attempts are
 * refused without counting (they are still audited).
 */
export interface ThrottleLimits {
  /** Quiet time after the last attempt (and after its lock) that forgets a counter */
  readonly windowMs: number;
  /** Attempts of one account from one address before the waits begin */
  readonly perPair: number;
  /** Attempts from one address, any accounts, before the waits begin */
  readonly perAddress: number;
  /** The first wait; each further attempt doubles it */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}
export const DEFAULT_THROTTLE: ThrottleLimits = { windowMs: 15 * 60_000, perPair: 5, perAddress: 20, baseDelayMs: 1000, maxDelayMs: 15 * 60_000 };

/** Stale rows removed per counted attempt: more than an attempt adds (two), so the table stays bounded. */
const PRUNE_PER_ATTEMPT = 8;

/** A counter as it stands at `now`: reset when quiet for the window. */
function current(row: LoginAttemptRow, now: number, limits: ThrottleLimits): LoginAttemptRow {
  return now - Math.max(row.lastAt, row.lockedUntil) >= limits.windowMs ? { ...row, attempts: 0, lockedUntil: 0 } : row;
}

/** The counter after one more attempt at `now`: the limit-th attempt and each one after set a doubling wait. */
export function countAttempt(row: LoginAttemptRow, now: number, limit: number, limits: ThrottleLimits): LoginAttemptRow {
  const attempts = current(row, now, limits).attempts + 1;
  const over = attempts - limit;
  // 2^over overflows nothing: past about 30 doublings the cap applies anyway.
  const delay = over < 0 ? 0 : Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** Math.min(over, 40));
  return { key: row.key, attempts, lastAt: now, lockedUntil: delay > 0 ? now + delay : 0 };
}

/** The throttle's keys: hashes, so the table holds no typed emails (or passwords pasted into the email field). */
export function throttleKeys(email: string, ip: string): { readonly pair: string; readonly address: string } {
  return { pair: sha256hex(`pair\n${email.trim().toLowerCase()}\n${ip}`), address: sha256hex(`address\n${ip}`) };
}

export interface LoginThrottle {
  /**
   * Counts an attempt of `email` from `ip` that starts now, on the unit of work's transaction.
   * Returns 0 when it may proceed, else the seconds to wait (nothing counted).
   */
  reserve(tx: Pick<StoreTx, 'loginAttempts'>, email: string, ip: string, now: number): Promise<number>;
  /**
   * A successful login: clears the pair's count and gives back the address's attempt (a success is
   * not spraying; the address's earlier failures stay counted).
   */
  succeeded(tx: Pick<StoreTx, 'loginAttempts'>, email: string, ip: string, now: number): Promise<void>;
}

export function createLoginThrottle(limits: ThrottleLimits = DEFAULT_THROTTLE): LoginThrottle {
  return {
    async reserve({ loginAttempts }, email, ip, now) {
      const k = throttleKeys(email, ip);
      const [pair, address] = (await loginAttempts.lock([k.pair, k.address], now)) as [LoginAttemptRow, LoginAttemptRow];
      const waitMs = Math.max(current(pair, now, limits).lockedUntil, current(address, now, limits).lockedUntil) - now;
      if (waitMs > 0) return Math.ceil(waitMs / 1000);
      await loginAttempts.save(countAttempt(pair, now, limits.perPair, limits));
      await loginAttempts.save(countAttempt(address, now, limits.perAddress, limits));
      await loginAttempts.prune(now - limits.windowMs, PRUNE_PER_ATTEMPT);
      return 0;
    },
    async succeeded({ loginAttempts }, email, ip, now) {
      const k = throttleKeys(email, ip);
      const [address] = (await loginAttempts.lock([k.address], now)) as [LoginAttemptRow];
      await loginAttempts.delete(k.pair);
      if (address.attempts > 0) await loginAttempts.save({ ...address, attempts: address.attempts - 1 });
    },
  };
}
