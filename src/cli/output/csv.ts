/**
 * RFC 4180 CSV with spreadsheet formula neutralisation.
 *
 * A cell that starts with = + - @ tab or CR is run as a formula by Excel, LibreOffice and Google
 * Sheets (CSV injection). Log fields such as resource names and emails are chosen by whoever acts,
 * so by default such cells get a leading apostrophe, the OWASP-recommended neutraliser, which
 * spreadsheets display as text (neutralizeCell is shared with the server's export).
 * `--no-neutralize` writes the cells exactly as stored.
 */
import { neutralizeCell } from '../../contract/csv.js';

/** Quotes a cell when RFC 4180 requires it: a comma, a quote, CR or LF (quotes are doubled). */
export function quoteCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** One CSV record, CRLF-terminated as RFC 4180 specifies. */
export function csvRecord(cells: readonly (string | number | null)[], neutralize: boolean): string {
  return `${cells
    .map((c) => {
      if (c === null) return '';
      // Only text is neutralised: a number cell (status, durationMs) is never a formula.
      return typeof c === 'number' ? String(c) : quoteCell(neutralize ? neutralizeCell(c) : c);
    })
    .join(',')}\r\n`;
}
