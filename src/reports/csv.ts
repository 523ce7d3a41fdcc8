import { stringify } from 'csv-stringify/sync';
import { cellOf, neutralizeCell } from '../contract/csv.js';
import { AUDIT_CSV_COLUMNS, type AuditEntry } from '../contract/entries.js';
import { visibleEscape } from '../contract/text-safety.js';

/** The seed's columns (as `bella audit list -o csv`), then seq, reason and details (canonical JSON text). */
export const EVIDENCE_COLUMNS = [...AUDIT_CSV_COLUMNS, 'seq', 'reason', 'details'] as const;

const cell = (v: string) => neutralizeCell(visibleEscape(v));

/** A CSV file (RFC 4180, CRLF) of rows under a header; cells escaped and neutralised as in exports. */
export function csvFile(columns: readonly string[], rows: readonly (readonly (string | number | null)[])[]): Buffer {
  const body = [columns as string[], ...rows.map((r) => r.map((v) => cell(v === null ? '' : String(v))))];
  return Buffer.from(stringify(body, { record_delimiter: 'windows' }), 'utf8');
}

/** Entries in the evidence columns. */
export function entriesCsv(entries: readonly AuditEntry[]): Buffer {
  return csvFile(
    EVIDENCE_COLUMNS,
    entries.map((e) => EVIDENCE_COLUMNS.map((c) => (c === 'details' ? JSON.stringify(e.details) : cellOf(e, c)))),
  );
}
