import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvRecord, quoteCell } from './log-stream.js';

const tricky = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', 'ünïcødé ✓ 日本', '=1+2', '+cmd', '-2', '@SUM(A1)', '\tTAB', '\rCR', ''];

describe('csvRecord', () => {
  it('round-trips commas, quotes, newlines and unicode through an independent parser', () => {
    const text = csvRecord(tricky, false) + csvRecord(['x', null, 3], false);
    const parsed = parse(text, { relax_column_count: true }) as string[][];
    expect(parsed[0]).toEqual(tricky);
    expect(parsed[1]).toEqual(['x', '', '3']);
  });

  it('neutralises cells a spreadsheet would run as a formula by default', () => {
    const parsed = (parse(csvRecord(tricky, true)) as string[][])[0] as string[];
    expect(parsed.slice(6)).toEqual(["'=1+2", "'+cmd", "'-2", "'@SUM(A1)", "'\tTAB", "'\rCR", '']);
    expect(parsed.slice(0, 6)).toEqual(tricky.slice(0, 6));
  });

  it('leaves numbers alone even when neutralising', () => {
    expect(csvRecord([-1, 200], true)).toBe('-1,200\r\n');
  });

  it('ends every record with CRLF as RFC 4180 specifies', () => {
    expect(csvRecord(['a', 'b'], true)).toBe('a,b\r\n');
  });

  it('quotes only when a cell needs it', () => {
    expect(quoteCell('abc')).toBe('abc');
    expect(quoteCell('a"b')).toBe('"a""b"');
  });
});
