import { describe, expect, it } from 'vitest';
import { parseTimeBound, TIME_FORMS_HELP, toIso } from './time.js';

const NOW = new Date('2026-03-15T12:00:00.000Z');
const iso = (text: string) => parseTimeBound(text, NOW)?.toISOString() ?? null;

describe('parseTimeBound', () => {
  it('a date is UTC midnight of that day', () => {
    expect(iso('2026-03-01')).toBe('2026-03-01T00:00:00.000Z');
    expect(iso('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
    expect(iso('2026-12-31')).toBe('2026-12-31T00:00:00.000Z');
  });

  it('a date-time with a zone is that instant, in UTC, with milliseconds', () => {
    expect(iso('2026-03-01T12:00:00Z')).toBe('2026-03-01T12:00:00.000Z');
    expect(iso('2026-03-01T12:00Z')).toBe('2026-03-01T12:00:00.000Z');
    expect(iso('2026-03-01T12:00:00.5Z')).toBe('2026-03-01T12:00:00.500Z');
    expect(iso('2026-03-01T12:00:00.000+02:00')).toBe('2026-03-01T10:00:00.000Z');
    expect(iso('2026-03-01T00:30:00-05:30')).toBe('2026-03-01T06:00:00.000Z');
    expect(iso('2026-03-01T12:00:00.123456789Z')).toBe('2026-03-01T12:00:00.123Z');
    expect(iso('2024-02-29T23:59:59Z')).toBe('2024-02-29T23:59:59.000Z');
  });

  it('a duration counts back from now', () => {
    expect(iso('30s')).toBe('2026-03-15T11:59:30.000Z');
    expect(iso('15m')).toBe('2026-03-15T11:45:00.000Z');
    expect(iso('24h')).toBe('2026-03-14T12:00:00.000Z');
    expect(iso('7d')).toBe('2026-03-08T12:00:00.000Z');
    expect(iso('2w')).toBe('2026-03-01T12:00:00.000Z');
    expect(iso('0s')).toBe(NOW.toISOString());
  });

  it('surrounding whitespace is ignored', () => {
    expect(iso(' 7d ')).toBe('2026-03-08T12:00:00.000Z');
    expect(iso('\t2026-03-01\n')).toBe('2026-03-01T00:00:00.000Z');
  });

  it.each([
    ['2026-02-31'], ['2026-02-29'], ['2026-04-31'], ['2026-13-01'], ['2026-00-10'], ['2026-01-00'], ['2026-01-32'],
  ])('an impossible calendar date is refused, not rolled over: %s', (text) => {
    expect(iso(text)).toBeNull();
  });

  it.each([
    ['2026-02-31T12:00:00Z'], ['2026-02-29T00:00:00Z'], ['2026-04-31T00:00:00Z'], ['2026-06-31T23:00:00+02:00'],
    ['2026-13-01T00:00:00Z'], ['2026-00-10T00:00:00Z'], ['2026-01-00T00:00:00Z'], ['2026-01-32T00:00:00Z'],
  ])('an impossible calendar date inside a date-time is refused, not rolled over: %s', (text) => {
    expect(iso(text)).toBeNull();
  });

  it.each([
    ['2026-03-01T24:00:00Z'], ['2026-03-01T12:60:00Z'], ['2026-03-01T12:00:60Z'], ['2026-03-01T12:00:00+25:00'],
  ])('an impossible time of day or zone is refused: %s', (text) => {
    expect(iso(text)).toBeNull();
  });

  it.each([
    [''], ['yesterday'], ['now'], ['2026-03-01T12:00:00'], ['2026-03-01 12:00:00Z'], ['2026/03/01'], ['26-03-01'],
    ['2026-3-1'], ['7'], ['7y'], ['-7d'], ['1.5h'], ['7 d'], ['1e3s'], ['1773576000'], ["2026-03-01' OR 1=1--"],
    ['2026-03-01T12:00:00ZZ'], ['9999999999d'], ['999999999w'],
  ])('text in none of the accepted forms (or out of range) is refused: %j', (text) => {
    expect(iso(text)).toBeNull();
  });

  it('the help text names every accepted form', () => {
    for (const form of ['2026-03-01', '2026-03-01T12:00:00Z', '30s', '15m', '24h', '7d', '2w']) expect(TIME_FORMS_HELP).toContain(form);
  });
});

describe('toIso', () => {
  it('is UTC ISO 8601 with milliseconds', () => {
    expect(toIso(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
    expect(toIso(new Date('2026-03-01T12:00:00+02:00'))).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});
