/** Deliveries per minute over a sliding window of the last few minutes (per-second buckets). */
export class RateWindow {
  private readonly buckets = new Map<number, number>();
  constructor(private readonly windowSeconds = 300) {}
  add(count: number, nowMs: number): void {
    const s = Math.floor(nowMs / 1000);
    this.buckets.set(s, (this.buckets.get(s) ?? 0) + count);
    for (const k of this.buckets.keys()) if (k <= s - this.windowSeconds) this.buckets.delete(k);
  }
  perMinute(nowMs: number): number {
    const s = Math.floor(nowMs / 1000);
    let total = 0;
    let oldest = s;
    for (const [k, v] of this.buckets) {
      if (k > s - this.windowSeconds) {
        total += v;
        oldest = Math.min(oldest, k);
      }
    }
    const span = Math.max(60, s - oldest + 1);
    return Math.round((total * 60 * 10) / span) / 10;
  }
}
