import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { queryDatabase } from '../helpers/pg.js';

/** A unique value nobody else would ever write: finding it anywhere means it leaked. */
export function newMarker(): string {
  return `MRK${randomBytes(16).toString('hex')}KRM`;
}

/**
 * Every encoding under which the marker could sit in a file or a response: its plain UTF-8 bytes,
 * hex (both cases), and base64/base64url at all three byte alignments (a marker embedded in a larger
 * base64 blob is encoded differently depending on where it starts, so we keep only the characters
 * that depend on the marker's bytes alone).
 */
export function markerForms(marker: string): { name: string; bytes: Buffer }[] {
  const m = Buffer.from(marker, 'utf8');
  const forms: { name: string; bytes: Buffer }[] = [
    { name: 'plain', bytes: m },
    { name: 'hex', bytes: Buffer.from(m.toString('hex')) },
    { name: 'HEX', bytes: Buffer.from(m.toString('hex').toUpperCase()) },
    { name: 'utf16le', bytes: Buffer.from(marker, 'utf16le') },
  ];
  for (const enc of ['base64', 'base64url'] as const) {
    for (let shift = 0; shift < 3; shift++) {
      const s = Buffer.concat([Buffer.alloc(shift), m]).toString(enc).replace(/=+$/, '');
      // drop the group touched by the padding bytes in front, and the last (partial) group
      const core = s.slice(shift === 0 ? 0 : 4, s.length - 4);
      forms.push({ name: `${enc}@${shift}`, bytes: Buffer.from(core) });
    }
  }
  return forms;
}

export interface Hit {
  readonly where: string;
  readonly form: string;
  readonly offset: number;
}

/** Searches a byte buffer for every form of the marker; returns where it was found. */
export function findMarker(where: string, data: Buffer, marker: string): Hit[] {
  const hits: Hit[] = [];
  for (const f of markerForms(marker)) {
    const at = data.indexOf(f.bytes);
    if (at >= 0) hits.push({ where, form: f.name, offset: at });
  }
  return hits;
}

/** Every regular file under dir (recursively), minus the excluded base names. */
export function filesUnder(dir: string, exclude: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p, exclude));
    else if (st.isFile() && !exclude.includes(name)) out.push(p);
  }
  return out;
}

/** Searches every file under dir; `seen` lists the files searched (relative) so a test can assert coverage. */
export function searchDir(dir: string, marker: string, exclude: readonly string[] = []): { hits: Hit[]; seen: string[] } {
  const hits: Hit[] = [];
  const seen: string[] = [];
  for (const f of filesUnder(dir, exclude)) {
    const rel = relative(dir, f);
    seen.push(rel);
    hits.push(...findMarker(rel, readFileSync(f), marker));
  }
  return { hits, seen };
}

/** One table of a PostgreSQL database as the database returns it: every row as text, one per line. */
export interface TableDump {
  readonly table: string;
  readonly rows: number;
  readonly text: Buffer;
}

/**
 * Every row of every table of a PostgreSQL database, as text (`SELECT t::text`: bytea shows as hex,
 * which markerForms covers). Ordinary tables and partitions (relkind 'r'), so each log row is read
 * once from the partition that holds it; the system schemas are left out.
 */
export async function dumpDatabase(url: string): Promise<TableDump[]> {
  const tables = await queryDatabase<{ schema: string; name: string }>(
    url,
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
     ORDER BY 1, 2`,
  );
  const out: TableDump[] = [];
  for (const { schema, name } of tables) {
    const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
    const rows = await queryDatabase<{ row: string }>(url, `SELECT t::text AS row FROM ${q(schema)}.${q(name)} t`);
    out.push({ table: schema === 'public' ? name : `${schema}.${name}`, rows: rows.length, text: Buffer.from(rows.map((r) => r.row).join('\n'), 'utf8') });
  }
  return out;
}

/** Searches every table of a PostgreSQL database; `seen` names each table with its row count so a test can assert coverage. */
export async function searchDatabase(url: string, marker: string): Promise<{ hits: Hit[]; seen: Record<string, number>; dump: TableDump[] }> {
  const dump = await dumpDatabase(url);
  const seen: Record<string, number> = {};
  const hits: Hit[] = [];
  for (const d of dump) {
    seen[d.table] = d.rows;
    hits.push(...findMarker(`table ${d.table}`, d.text, marker));
  }
  return { hits, seen, dump };
}
