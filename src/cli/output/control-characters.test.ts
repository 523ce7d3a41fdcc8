import { describe, expect, it } from 'vitest';
import { printRows } from '../commands/shared.js';
import type { CommandContext } from '../env.js';
import { renderTable, type Column } from './table.js';
import { palette, sanitize } from './text.js';

interface Row {
  readonly name: string;
  readonly role: string;
}
const cols: Column<Row>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'ROLE', value: (r) => r.role },
];

describe('bidi and C1 characters in CLI output', () => {
  it('sanitize writes bidi controls, separators, DEL and C1 as visible escapes', () => {
    expect(sanitize('a\u202eb\u2066c\u2069d\u200ee\u200ff\u061cg')).toBe('a\\u202eb\\u2066c\\u2069d\\u200ee\\u200ff\\u061cg');
    expect(sanitize('x\u2028y\u2029z')).toBe('x\\u2028y\\u2029z');
    expect(sanitize('\u007f\u0085\u009b\u001b[31m')).toBe('\\x7f\\x85\\x9b\\x1b[31m');
    expect(sanitize('Zürich 東京')).toBe('Zürich 東京');
  });

  it('a table cell with U+202E cannot reorder the columns that follow it', () => {
    const lines = renderTable(cols, [{ name: 'deploy\u202eyek', role: 'CONSUMER' }], 80, palette(false));
    expect(lines[1]).toBe('deploy\\u202eyek  CONSUMER');
    expect(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/.test(lines.join('\n'))).toBe(false);
  });

  it('-o json prints the same values with \\u escapes, nothing raw', () => {
    let out = '';
    const ctx = { io: { stdout: { write: (s: string) => ((out += s), true), isTTY: false } }, env: { noColor: true, forceColor: false } } as unknown as CommandContext;
    printRows(ctx, 'json', cols, [{ name: 'deploy\u202eyek\u0085', role: 'CONSUMER' }], 'none');
    expect(out).toContain('deploy\\u202eyek\\u0085');
    expect(JSON.parse(out)).toEqual([{ name: 'deploy\u202eyek\u0085', role: 'CONSUMER' }]);
  });
});

describe('CLI error messages', () => {
  it('show control and bidi characters a server message quotes as visible escapes, keeping line breaks', async () => {
    const { CliError, formatError } = await import('../errors.js');
    const e = new CliError(1, 'project "evil\u202etxt.exe" not found\u001b[31m', 'Run `bella projects list`\nthen try again');
    expect(formatError(e)).toBe('bella: project "evil\\u202etxt.exe" not found\\x1b[31m\nRun `bella projects list`\nthen try again\n');
  });
});
