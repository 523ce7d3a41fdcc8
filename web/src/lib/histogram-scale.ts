/** Pure geometry of the stacked Success/Denied histogram, kept out of the component to be testable. */
import type { HistogramBucket, HistogramResponse } from '../../../src/contract/api.js';

export type { HistogramBucket, HistogramResponse };

export interface BarGeometry {
  readonly x: number;
  readonly width: number;
  /** top of the success segment and its height; denied sits on top of it */
  readonly successY: number;
  readonly successH: number;
  readonly deniedY: number;
  readonly deniedH: number;
}

/** A "nice" axis maximum (1, 2, 5 × 10^n) at or above the tallest stack, so gridlines read well. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

export function layoutBars(buckets: readonly HistogramBucket[], width: number, height: number, yMax: number): BarGeometry[] {
  const n = Math.max(buckets.length, 1);
  const slot = width / n;
  // A gap between bars once they are wide enough for one to be visible; hairline bars stay solid.
  const gap = slot >= 6 ? Math.min(2, slot * 0.2) : 0;
  return buckets.map((b, i) => {
    const successH = (b.success / yMax) * height;
    const deniedH = (b.denied / yMax) * height;
    return {
      x: i * slot + gap / 2,
      width: Math.max(slot - gap, 0.5),
      successY: height - successH,
      successH,
      deniedY: height - successH - deniedH,
      deniedH,
    };
  });
}

export function totals(buckets: readonly HistogramBucket[]): { success: number; denied: number } {
  return buckets.reduce((t, b) => ({ success: t.success + b.success, denied: t.denied + b.denied }), { success: 0, denied: 0 });
}

/** Bucket width in words, for the caption: "1 bucket = 5 minutes". */
export function describeBucket(ms: number): string {
  const units: [number, string][] = [
    [7 * 86400e3, 'week'],
    [86400e3, 'day'],
    [3600e3, 'hour'],
    [60e3, 'minute'],
    [1e3, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}

/**
 * The Denied lane under the bars: a marker for every bucket with any Denied entry, at least `minH`
 * tall however few they are (6 Denied among 6,299 Success would be a sub-pixel sliver on the
 * shared axis), growing with the count up to the lane's height.
 */
export function deniedMarkers(buckets: readonly HistogramBucket[], laneH: number, minH = laneH * 0.45): number[] {
  const max = Math.max(0, ...buckets.map((b) => b.denied));
  return buckets.map((b) => (b.denied > 0 ? minH + (laneH - minH) * (max > 1 ? (b.denied - 1) / (max - 1) : 1) : 0));
}

/** The bucket under x (in the chart's own units), clamped to the buckets. */
export function bucketAt(x: number, width: number, n: number): number {
  if (n <= 0) return -1;
  return Math.min(n - 1, Math.max(0, Math.floor((x / width) * n)));
}

/** The time range covering buckets i..j (either order), as UTC instants: the start of the first to the end of the last. */
export function rangeOfBuckets(buckets: readonly HistogramBucket[], bucketMs: number, i: number, j: number): { since: string; until: string } | null {
  const a = buckets[Math.min(i, j)];
  const b = buckets[Math.max(i, j)];
  if (!a || !b) return null;
  return { since: new Date(a.start).toISOString(), until: new Date(Date.parse(b.start) + bucketMs).toISOString() };
}
