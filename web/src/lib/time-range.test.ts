import { describe, expect, it } from 'vitest';
import { describeRange, fromLocalInput, rangeKind, toLocalInput } from './time-range';

describe('time ranges', () => {
  it('tells all-time, presets and custom ranges apart', () => {
    expect(rangeKind(undefined, undefined)).toBe('all');
    expect(rangeKind('24h', undefined)).toBe('preset');
    expect(rangeKind('24h', '2026-01-01')).toBe('custom');
    expect(rangeKind('2026-01-01T00:00:00.000Z', undefined)).toBe('custom');
  });

  it('converts a viewer-zone datetime-local value to UTC and back', () => {
    const iso = fromLocalInput('2026-03-01T09:30')!;
    expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
    expect(toLocalInput(iso)).toBe('2026-03-01T09:30');
  });

  it('treats an empty or broken custom input as no bound', () => {
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('not a date')).toBeUndefined();
  });

  it('labels presets and all-time in words', () => {
    expect(describeRange(undefined, undefined)).toBe('All time');
    expect(describeRange('7d', undefined)).toBe('Last 7 days');
    expect(describeRange('2026-03-01T00:00:00.000Z', undefined)).toMatch(/^Since /);
  });
});
