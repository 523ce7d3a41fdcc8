/**
 * RFC 4180 CSV with spreadsheet formula neutralisation.
 *
 * A cell that starts with = + - @ tab or CR is run as a formula by Excel, LibreOffice and Google
 * Sheets (CSV injection). Log fields such as resource names and emails are chosen by whoever acts,
 * so by default such cells get a leading apostrophe, the OWASP-recommended neutraliser, which
 * spreadsheets display as text. `--no-escape-formulas` writes the cells exactly as stored.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** Quotes a cell when RFC 4180 requires it: a comma, a quote, CR or LF (quotes are doubled). */
export function quoteCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** One CSV record, CRLF-terminated as RFC 4180 specifies. */
export function csvRecord(cells: readonly (string | number | null)[], escapeFormulas: boolean): string {
  return `${cells
    .map((c) => {
      if (c === null) return '';
      // Only text is neutralised: a number cell (status, durationMs) is never a formula.
      return typeof c === 'number' ? String(c) : quoteCell(escapeFormulas ? neutraliseFormula(c) : c);
    })
    .join(',')}\r\n`;
}
