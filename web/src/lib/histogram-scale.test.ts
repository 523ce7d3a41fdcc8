import { describe, expect, it } from 'vitest';
import { bucketAt, deniedMarkers, describeBucket, layoutBars, niceMax, rangeOfBuckets, totals } from './histogram-scale';

describe('histogram scale', () => {
  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(420)).toBe(500);
    expect(niceMax(1000)).toBe(1000);
  });

  it('stacks denied on top of success within the chart height', () => {
    const [bar] = layoutBars([{ start: 'x', success: 3, denied: 1 }], 100, 40, 4);
    expect(bar!.successH).toBe(30);
    expect(bar!.successY).toBe(10);
    expect(bar!.deniedH).toBe(10);
    expect(bar!.deniedY).toBe(0);
  });

  it('spreads buckets evenly across the width', () => {
    const bars = layoutBars(
      Array.from({ length: 4 }, () => ({ start: 'x', success: 1, denied: 0 })),
      100,
      10,
      1,
    );
    expect(bars.map((b) => Math.round(b.x))).toEqual([1, 26, 51, 76]);
  });

  it('sums both outcomes', () => {
    expect(totals([{ start: 'a', success: 2, denied: 1 }, { start: 'b', success: 0, denied: 4 }])).toEqual({ success: 2, denied: 5 });
  });

  it('names bucket sizes in words', () => {
    expect(describeBucket(60_000)).toBe('1 minute');
    expect(describeBucket(3 * 3600_000)).toBe('3 hours');
    expect(describeBucket(1500)).toBe('1500 ms');
  });

  it('marks every bucket with a Denied entry visibly, however small beside the Success count', () => {
    const m = deniedMarkers([{ start: 'a', success: 6299, denied: 0 }, { start: 'b', success: 5000, denied: 1 }, { start: 'c', success: 0, denied: 6 }], 20);
    expect(m[0]).toBe(0);
    expect(m[1]).toBeGreaterThanOrEqual(9);
    expect(m[2]).toBe(20);
    expect(deniedMarkers([{ start: 'a', success: 1, denied: 1 }], 20)).toEqual([20]);
  });

  it('turns a click or a drag over bars into the time range they cover', () => {
    const b = [{ start: '2026-03-01T00:00:00.000Z', success: 1, denied: 0 }, { start: '2026-03-01T01:00:00.000Z', success: 1, denied: 0 }, { start: '2026-03-01T02:00:00.000Z', success: 1, denied: 0 }];
    expect(rangeOfBuckets(b, 3600e3, 1, 1)).toEqual({ since: '2026-03-01T01:00:00.000Z', until: '2026-03-01T02:00:00.000Z' });
    expect(rangeOfBuckets(b, 3600e3, 2, 0)).toEqual({ since: '2026-03-01T00:00:00.000Z', until: '2026-03-01T03:00:00.000Z' });
    expect(rangeOfBuckets(b, 3600e3, 5, 0)).toBeNull();
    expect([bucketAt(0, 300, 3), bucketAt(150, 300, 3), bucketAt(299, 300, 3), bucketAt(999, 300, 3), bucketAt(-5, 300, 3)]).toEqual([0, 1, 2, 2, 0]);
  });
});
