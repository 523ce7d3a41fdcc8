/**
 * Spreadsheet formula neutralisation (OWASP "CSV injection"): a cell that a spreadsheet would run as a
 * formula (starting with =, +, -, @, tab or carriage return) gets a leading single quote. On by default
 * in `bella audit list -o csv` and the export endpoint; turned off with --no-neutralize / neutralize=false.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Reads a dotted column (actor.email) from an entry as CSV text; null and undefined become empty. */
export function cellOf(entry: unknown, column: string): string {
  let v: unknown = entry;
  for (const part of column.split('.')) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[part];
  if (v === null || v === undefined) return '';
  // An object cell (details) is its JSON text.
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
