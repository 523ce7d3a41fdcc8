import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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
 * From this many rows on, a log's rows travel by COPY FROM STDIN (two round trips: the COPY
 * statement, then the data; PostgreSQL inserts them in multi-row heap writes). Below it, one unnest()
 * statement (one round trip) is cheaper: the typical batch of a busy node holds tens of rows.
 */
export const COPY_FROM_ROWS = 64;

const COPY_TEXT: Readonly<Record<LogTable, string>> = {
  audit_log: `COPY audit_log (${AUDIT_COLUMNS.join(', ')}) FROM STDIN`,
  access_log: `COPY access_log (${ACCESS_COLUMNS.join(', ')}) FROM STDIN`,
};

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_ESCAPE = /[\\\n\r\t]/g;
const COPY_REPLACE: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value in COPY's text format: \N for NULL; backslash, newline, CR and tab escaped; a Buffer as bytea hex. */
function copyCell(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  const t = v instanceof Date ? v.toISOString() : String(v);
  return COPY_SPECIAL.test(t) ? t.replace(COPY_ESCAPE, (ch) => COPY_REPLACE[ch] as string) : t;
}

/** Bytes per CopyData message handed to the socket: large enough to amortise, small enough to stream. */
const COPY_CHUNK_CHARS = 256 * 1024;

/**
 * COPY … FROM STDIN of the rows inside the caller's transaction (pg-copy-streams speaks the copy
 * sub-protocol on the same connection). An error of any row fails the whole COPY, like one INSERT.
 */
export async function copyRows(c: pg.ClientBase, copy: string, rows: readonly (readonly unknown[])[], timeoutMs: number): Promise<void> {
  const stream = c.query(copyFrom(copy));
  let timer: NodeJS.Timeout | undefined;
  // pg's query_timeout does not cover a copy stream: a link that went silent must still fail the batch.
  const done = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
    timer = setTimeout(() => reject(new Error(`${copy} did not complete within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    let chunk = '';
    for (const r of rows) {
      let line = '';
      for (let k = 0; k < r.length; k++) line += (k ? '\t' : '') + copyCell(r[k]);
      chunk += line + '\n';
      if (chunk.length >= COPY_CHUNK_CHARS) {
        if (!stream.write(chunk)) await Promise.race([done, new Promise<void>((res) => stream.once('drain', res))]);
        chunk = '';
      }
    }
    stream.end(chunk);
    await done;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The same unnest() insert as one statement's text, each column's array literal quoted as an SQL
 * string by pg's escapeLiteral: it can travel in one simple-protocol message with the statements
 * around it (SAVEPOINT … RELEASE), where a parameterised statement costs a round trip of its own.
 *
 * `numbered`: the rows' seq values are ignored and the database numbers them, in row order, from the
 * first seq that bella_number_logs() (schema migration 14) left in the transaction's setting
 * `bella.<log>_first` earlier in the same transaction.
 */
export function logInsertSql(c: pg.ClientBase, table: LogTable, rows: readonly (readonly unknown[])[], numbered = false): string {
  const columns = table === 'audit_log' ? AUDIT_COLUMNS : ACCESS_COLUMNS;
  const from = numbered ? 1 : 0;
  const carried = columns.slice(from);
  const arrays = carried.map((col, k) => `${c.escapeLiteral(arrayLiteral(rows, k + from, 0, rows.length))}::${COLUMN_TYPES[col] ?? 'text'}[]`);
  const select = carried.map((col) => (col === 'details' ? 'details::jsonb' : col));
  if (!numbered) return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select.join(', ')} FROM unnest(${arrays.join(', ')}) AS r(${columns.join(', ')})`;
  const first = `current_setting('bella.${table === 'audit_log' ? 'audit' : 'access'}_first')::bigint`;
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${first} + r.ord - 1, ${select.join(', ')} FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS r(${carried.join(', ')}, ord)`;
}

/**
 * Inserts log rows (each in the column order of AUDIT_COLUMNS / ACCESS_COLUMNS): COPY from
 * COPY_FROM_ROWS rows on, else the table's named unnest() statement, one array literal per column.
 * pg prepares a named statement once per client, so the new connection after a loss prepares it
 * again by itself. Returns the round trips it took (the committer counts them).
 */
export async function insertLogRows(c: pg.ClientBase, table: LogTable, rows: readonly (readonly unknown[])[], timeoutMs = 20_000): Promise<number> {
  if (rows.length >= COPY_FROM_ROWS) {
    await copyRows(c, COPY_TEXT[table], rows, timeoutMs);
    return 2;
  }
  const st = STATEMENTS[table];
  const width = table === 'audit_log' ? AUDIT_COLUMNS.length : ACCESS_COLUMNS.length;
  const values: string[] = [];
  for (let k = 0; k < width; k++) values.push(arrayLiteral(rows, k, 0, rows.length));
  await c.query({ name: st.name, text: st.text, values });
  return 1;
}
