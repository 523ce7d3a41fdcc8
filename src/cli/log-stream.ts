import type { ApiClient, Query } from './api-client.js';
import { neutralizeCell } from '../contract/csv.js';
import type { Page } from '../contract/entries.js';
import { MAX_PAGE_LIMIT } from '../contract/log-query.js';

/**
 * Pages through a log listing newest first, `cap` entries at most (null = all).
 * Only one page is held at a time, so memory stays constant however long the log is.
 */
export async function* pageThrough<T>(
  client: ApiClient,
  path: string,
  query: Query,
  cap: number | null,
  pageSize: number = MAX_PAGE_LIMIT,
): AsyncGenerator<readonly T[]> {
  let cursor: string | undefined;
  let remaining = cap ?? Number.POSITIVE_INFINITY;
  while (remaining > 0) {
    const limit = Math.min(pageSize, remaining);
    const page = await client.get<Page<T>>(path, { ...query, limit, cursor });
    const entries = page.entries.slice(0, limit);
    if (entries.length > 0) yield entries;
    remaining -= entries.length;
    if (page.nextCursor === null || page.entries.length === 0) return;
    cursor = page.nextCursor;
  }
}

/** Reads `actor.email` style column names out of an entry. */
export function fieldAt(entry: unknown, column: string): string | number | null {
  let v: unknown = entry;
  for (const part of column.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  if (v === undefined || v === null) return null;
  return typeof v === 'number' ? v : typeof v === 'string' ? v : JSON.stringify(v);
}

/** Serialises entries as they stream by: one JSON array, NDJSON lines, or CSV with a header. */
export interface EntryWriter {
  begin(): string;
  entry(e: unknown): string;
  end(): string;
}

export function jsonWriter(): EntryWriter {
  let first = true;
  return {
    begin: () => '[',
    entry(e) {
      const sep = first ? '\n' : ',\n';
      first = false;
      return `${sep}${JSON.stringify(e)}`;
    },
    end: () => (first ? ']\n' : '\n]\n'),
  };
}

export function ndjsonWriter(): EntryWriter {
  return { begin: () => '', entry: (e) => `${JSON.stringify(e)}\n`, end: () => '' };
}

export function csvWriter(columns: readonly string[], neutralize: boolean): EntryWriter {
  return {
    // Header cells are fixed names, never user data: no neutralisation needed.
    begin: () => csvRecord(columns, false),
    entry: (e) => csvRecord(columns.map((c) => fieldAt(e, c)), neutralize),
    end: () => '',
  };
}

/**
 * RFC 4180 CSV with spreadsheet formula neutralisation.
 *
 * A cell that starts with = + - @ tab or CR is run as a formula by Excel, LibreOffice and Google
 * Sheets (CSV injection). Log fields such as resource names and emails are chosen by whoever acts,
 * so by default such cells get a leading apostrophe, the OWASP-recommended neutraliser, which
 * spreadsheets display as text (neutralizeCell is shared with the server's export).
 * `--no-neutralize` writes the cells exactly as stored.
 */

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
