/**
 * Failed-login throttling per account and per IP: a sliding window of failures. Per node and in
 * memory: a restart forgets it, which errs on the side of availability; the audit log keeps every try.
 */
export interface ThrottleLimits {
  readonly windowMs: number;
  readonly perAccount: number;
  readonly perIp: number;
}
export const DEFAULT_THROTTLE: ThrottleLimits = { windowMs: 15 * 60_000, perAccount: 5, perIp: 20 };

export interface LoginThrottle {
  /** Seconds to wait when the account or IP is locked out, else 0 */
  retryAfter(email: string, ip: string): number;
  fail(email: string, ip: string): void;
  succeed(email: string): void;
}

export function createLoginThrottle(now: () => Date, limits: ThrottleLimits = DEFAULT_THROTTLE): LoginThrottle {
  const fails = new Map<string, number[]>();
  const recent = (k: string): number[] => {
    const t = now().getTime();
    const list = (fails.get(k) ?? []).filter((x) => t - x < limits.windowMs);
    if (list.length) fails.set(k, list);
    else fails.delete(k);
    return list;
  };
  const wait = (list: number[], max: number) =>
    list.length >= max ? Math.ceil(((list[list.length - max] as number) + limits.windowMs - now().getTime()) / 1000) : 0;
  return {
    retryAfter(email, ip) {
      return Math.max(wait(recent(`a:${email}`), limits.perAccount), wait(recent(`i:${ip}`), limits.perIp));
    },
    fail(email, ip) {
      const t = now().getTime();
      for (const k of [`a:${email}`, `i:${ip}`]) fails.set(k, [...recent(k), t]);
      if (fails.size > 100_000) fails.clear(); // bound memory under a spray of random emails
    },
    succeed(email) {
      fails.delete(`a:${email}`);
    },
  };
}
