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
