import { describe, expect, it } from 'vitest';
import { describeRange, formatTime, fromPickerInput, plural, rangeKind, toPickerInput, zoneLabel } from './time-range';

describe('time ranges', () => {
  it('tells all-time, presets and custom ranges apart', () => {
    expect(rangeKind(undefined, undefined)).toBe('all');
    expect(rangeKind('24h', undefined)).toBe('preset');
    expect(rangeKind('24h', '2026-01-01')).toBe('custom');
    expect(rangeKind('2026-01-01T00:00:00.000Z', undefined)).toBe('custom');
  });

  it('shows one 24-hour format, in UTC when asked', () => {
    expect(formatTime('2026-03-01T21:19:05.123Z', true)).toBe('2026-03-01 21:19:05');
    expect(formatTime('2026-03-01T21:19:05.123Z', true, false)).toBe('2026-03-01 21:19');
    expect(formatTime('2026-03-01T21:19:05.123Z', false)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:05$/);
    expect(formatTime('garbage', true)).toBe('garbage');
  });

  it('reads a picker value in UTC or the viewer zone and writes it back the same', () => {
    expect(fromPickerInput('2026-03-01 09:30', true)).toBe('2026-03-01T09:30:00.000Z');
    expect(fromPickerInput('2026-03-01T09:30', true)).toBe('2026-03-01T09:30:00.000Z');
    expect(fromPickerInput('2026-03-01', true)).toBe('2026-03-01T00:00:00.000Z');
    expect(toPickerInput('2026-03-01T09:30:00.000Z', true)).toBe('2026-03-01 09:30');
    const local = fromPickerInput('2026-03-01 09:30', false)!;
    expect(toPickerInput(local, false)).toBe('2026-03-01 09:30');
  });

  it('treats an empty, broken or impossible picker value as no bound', () => {
    for (const bad of ['', 'not a date', '2026-02-31 10:00', '2026-03-01 24:00', '2026-13-01', '01/03/2026 10:00']) {
      expect(fromPickerInput(bad, true), bad).toBeUndefined();
    }
  });

  it('labels presets, all-time and custom ranges, naming UTC when times are in UTC', () => {
    expect(describeRange(undefined, undefined)).toBe('All time');
    expect(describeRange('7d', undefined)).toBe('Last 7 days');
    expect(describeRange('2026-03-01T00:00:00.000Z', undefined)).toMatch(/^Since /);
    expect(describeRange('2026-03-01T00:00:00.000Z', '2026-03-02T06:00:00.000Z', true)).toBe('2026-03-01 00:00 – 2026-03-02 06:00 UTC');
  });

  it('names the zone', () => {
    expect(zoneLabel(true)).toBe('UTC');
    expect(zoneLabel(false)).toMatch(/\(UTC[+-]\d{2}:\d{2}\)$/);
  });

  it('says 1 event, not 1 events', () => {
    expect(plural(1, 'event')).toBe('1 event');
    expect(plural(0, 'event')).toBe('0 events');
    expect(plural(6299, 'entry', 'entries')).toBe('6,299 entries');
  });
});
