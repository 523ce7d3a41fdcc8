import { describe, expect, it } from 'vitest';
import { mergeNewest } from './live-tail';

describe('the live tail', () => {
  it('puts new entries on top, newest first, and never shows one twice', () => {
    const shown = [{ id: 'c', seq: 3 }, { id: 'b', seq: 2 }];
    const next = mergeNewest(shown, [{ id: 'd', seq: 4 }, { id: 'c', seq: 3 }, { id: 'e', seq: 5 }, { id: 'e', seq: 5 }]);
    expect(next.map((e) => e.seq)).toEqual([5, 4, 3, 2]);
  });
});
