import type pg from 'pg';
import { ACCESS_COLUMNS, AUDIT_COLUMNS } from '../rows.js';

export type LogTable = 'audit_log' | 'access_log';

/**
 * PostgreSQL type of each log column that is not TEXT (schema.ts). details is JSONB but travels as
 * text[] and is cast per element in the select list: a jsonb[] parameter would parse the same text.
 */
const COLUMN_TYPES: Readonly<Record<string, string>> = {
  seq: 'bigint',
  ts: 'timestamptz',
  status: 'integer',
  duration_ms: 'double precision',
};

/**
 * One fixed statement per log: every column travels as one array parameter and unnest() turns the
 * arrays back into rows. Its text never depends on the row count, so as a named prepared statement
 * PostgreSQL parses and plans it once per connection, where a multi-row VALUES list with one
 * parameter per cell had a new text (parse, plan) for every chunk size and up to 17,000 parameters.
 */
function unnestInsert(table: LogTable, columns: readonly string[]): pg.QueryConfig {
  const params = columns.map((c, i) => `$${i + 1}::${COLUMN_TYPES[c] ?? 'text'}[]`);
  const select = columns.map((c) => (c === 'details' ? 'details::jsonb' : c));
  return {
    name: `bella_insert_${table}`,
    text: `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select.join(', ')} FROM unnest(${params.join(', ')}) AS r(${columns.join(', ')})`,
  };
}

const STATEMENTS: Readonly<Record<LogTable, pg.QueryConfig>> = {
  audit_log: unnestInsert('audit_log', AUDIT_COLUMNS),
  access_log: unnestInsert('access_log', ACCESS_COLUMNS),
};

/** Bounds one statement's message (array literals) for a very large batch; not a parameter limit. */
const ROWS_PER_INSERT = 5000;

const NEEDS_ESCAPE = /["\\]/;
const ESCAPE = /["\\]/g;

/**
 * One column of rows[from, to) as a PostgreSQL array literal: what pg's own array serialisation
 * produces (strings always quoted, so 'NULL' or '' stay strings; null and undefined are NULL), with
 * the escaping regex run only on the rare value that needs it.
 */
function arrayLiteral(rows: readonly (readonly unknown[])[], col: number, from: number, to: number): string {
  const parts = new Array<string>(to - from);
  for (let r = from; r < to; r++) {
    const v = (rows[r] as readonly unknown[])[col];
    let s: string;
    if (v === null || v === undefined) s = 'NULL';
    else if (typeof v === 'number' || typeof v === 'bigint') s = String(v);
    else {
      const t = v instanceof Date ? v.toISOString() : String(v);
      s = NEEDS_ESCAPE.test(t) ? `"${t.replace(ESCAPE, '\\$&')}"` : `"${t}"`;
    }
    parts[r - from] = s;
  }
  return `{${parts.join(',')}}`;
}

/**
 * Inserts log rows (each in the column order of AUDIT_COLUMNS / ACCESS_COLUMNS) with the table's
 * named statement, one array literal per column. pg prepares a named statement once per client, so
 * the new connection after a loss prepares it again by itself.
 */
export async function insertLogRows(c: pg.ClientBase, table: LogTable, rows: readonly (readonly unknown[])[]): Promise<void> {
  const st = STATEMENTS[table];
  const width = table === 'audit_log' ? AUDIT_COLUMNS.length : ACCESS_COLUMNS.length;
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const end = Math.min(rows.length, i + ROWS_PER_INSERT);
    const values: string[] = [];
    for (let k = 0; k < width; k++) values.push(arrayLiteral(rows, k, i, end));
    await c.query({ name: st.name, text: st.text, values });
  }
}
