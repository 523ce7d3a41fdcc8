import { describe, expect, it } from 'vitest';
import { renderTable, type Column } from './table.js';
import { displayWidth, palette, sanitize, truncate } from './text.js';

interface Row {
  a: string;
  b: string;
  c: string;
}
const cols: Column<Row>[] = [
  { header: 'A', value: (r) => r.a },
  { header: 'BEE', value: (r) => r.b, min: 4 },
  { header: 'C', value: (r) => r.c, min: 3, drop: 1, paint: (r, p) => (r.c === 'bad' ? p.red : null) },
];
const rows: Row[] = [
  { a: 'first', b: 'a fairly long value', c: 'ok' },
  { a: 'second', b: 'short', c: 'bad' },
];
const plain = palette(false);

describe('renderTable', () => {
  it('aligns columns at their natural width when the terminal is wide enough', () => {
    expect(renderTable(cols, rows, 200, plain)).toEqual([
      'A       BEE                  C',
      'first   a fairly long value  ok',
      'second  short                bad',
    ]);
  });

  it('cuts shrinkable columns with an ellipsis so no line is wider than the terminal', () => {
    const lines = renderTable(cols, rows, 20, plain);
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(20);
    expect(lines[1]).toContain('…');
    expect(lines[0]?.startsWith('A ')).toBe(true);
  });

  it('drops optional columns when even the minimum widths do not fit', () => {
    const lines = renderTable(cols, rows, 13, plain);
    expect(lines[0]).toBe('A       BEE');
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(13);
  });

  it('an extra column shows only when every column fits uncut: it never narrows the others', () => {
    const withExtra: Column<Row>[] = [...cols, { header: 'X', value: () => 'extra', extra: true }];
    expect(renderTable(withExtra, rows, 200, plain)[0]).toBe('A       BEE                  C    X');
    expect(renderTable(withExtra, rows, 39, plain)[1]).toBe('first   a fairly long value  ok   extra');
    // One cell short: the extra column goes, the others keep their natural width.
    expect(renderTable(withExtra, rows, 38, plain)).toEqual(renderTable(cols, rows, 38, plain));
    expect(renderTable(withExtra, rows, 38, plain)[1]).toBe('first   a fairly long value  ok');
  });

  it('paints a cell only when colour is enabled', () => {
    const coloured = renderTable(cols, rows, 200, palette(true));
    expect(coloured[2]).toContain('\u001b[31mbad\u001b[0m');
    expect(renderTable(cols, rows, 200, plain).join('\n')).not.toContain('\u001b');
  });

  it('never lets a value carry terminal control sequences through', () => {
    const evil = [{ a: 'x\u001b[2Jy', b: 'line1\nline2', c: 'ok' }];
    const out = renderTable(cols, evil, 200, plain).join('\n');
    expect(out).not.toContain('\u001b');
    expect(out).toContain('x\\x1b[2Jy');
    expect(out).toContain('line1\\nline2');
  });
});

describe('text helpers', () => {
  it('counts wide characters as two cells and combining marks as none', () => {
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('abc')).toBe(3);
  });

  it('truncates to the cell budget, ellipsis included', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('日本語', 4)).toBe('日…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('escapes C0 and C1 control characters visibly', () => {
    expect(sanitize('a\tb\rc\u0007d\u009b')).toBe('a\\tb\\rc\\x07d\\x9b');
  });
});
