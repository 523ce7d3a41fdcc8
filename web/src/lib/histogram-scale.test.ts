import { describe, expect, it } from 'vitest';
import { describeBucket, layoutBars, niceMax, totals } from './histogram-scale';

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
});
