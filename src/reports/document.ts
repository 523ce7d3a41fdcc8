/**
 * A report's content, once: the PDF and the HTML are two renderings of the same blocks, so the
 * numbers an auditor reads in one are the numbers in the other.
 */
export type Block =
  | { readonly kind: 'heading'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'fields'; readonly rows: readonly (readonly [string, string])[] }
  | { readonly kind: 'table'; readonly columns: readonly string[]; readonly rows: readonly (readonly (string | number)[])[]; readonly note?: string };

export interface ReportDocument {
  readonly title: string;
  readonly blocks: readonly Block[];
}

/** Rows of a table shown in the summary; the CSV beside it holds all of them. */
export const SUMMARY_ROWS = 40;

export function table(columns: readonly string[], rows: readonly (readonly (string | number)[])[], csv?: string): Block {
  const shown = rows.slice(0, SUMMARY_ROWS);
  const note = rows.length > shown.length ? `${shown.length} of ${rows.length} rows shown${csv ? `; all in ${csv}` : ''}` : undefined;
  return { kind: 'table', columns, rows: shown, note };
}
