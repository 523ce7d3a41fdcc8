import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/process.js';

/**
 * Invariant 5 (append-only): no code path updates or deletes audit or access rows except retention.
 * A static scan of src/: every UPDATE / DELETE / TRUNCATE / DROP / REPLACE whose target is a log table,
 * or a table name computed at run time (which could be one), is a violation unless it sits inside a
 * retention purge function of a store adapter (src/store/<adapter>/: functions named purge*) or in
 * src/audit/retention*. A DELETE … RETURNING * that feeds an INSERT (moving rows into a partition)
 * keeps every row and is allowed.
 */

const SRC = join(REPO_ROOT, 'src');
const LOG_TABLE = /^(audit_log|access_log)/i;
const STATEMENT =
  /\b(UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|REPLACE\s+INTO|INSERT\s+OR\s+REPLACE\s+INTO)\s+(?:ONLY\s+)?["'`]?(\$\{[^}]*\}[\w]*|[A-Za-z_][\w.]*)/gi;
const UPSERT_ON_LOG = /INSERT\s+INTO\s+["'`]?(audit_log|access_log)\w*[^;]*?ON\s+CONFLICT[^;]*?DO\s+UPDATE/gi;
const MOVE = /WITH\s+\w+\s+AS\s*\(\s*DELETE\s+FROM\s+[^)]*RETURNING\s+\*\s*\)\s*INSERT\s+INTO/gi;

/** Removes the bodies of functions and methods named purge* (brace-matched from their opening brace). */
export function stripPurgeFunctions(code: string): string {
  const header = /(?:function\s+purge\w*\s*\(|\bpurge\w*\s*(?::\s*[^=]*?)?(?:=\s*(?:async\s*)?)?\([^)]*\)\s*(?::[^{=]*)?(?:=>)?\s*)(?=[^{;]*\{)/g;
  let out = code;
  for (;;) {
    header.lastIndex = 0;
    const m = header.exec(out);
    if (!m) return out;
    const open = out.indexOf('{', m.index + m[0].length - 1);
    let depth = 0;
    let end = open;
    for (; end < out.length; end++) {
      if (out[end] === '{') depth++;
      else if (out[end] === '}' && --depth === 0) break;
    }
    out = `${out.slice(0, m.index)}/* purge body removed */${out.slice(end + 1)}`;
  }
}

/** The offending statements of one file's text, as `verb target` strings. */
export function findLogMutations(code: string): string[] {
  const moves = [...code.matchAll(MOVE)].map((m) => [m.index, m.index + m[0].length] as const);
  const found: string[] = [];
  for (const m of code.matchAll(STATEMENT)) {
    const target = m[2] as string;
    const dynamic = target.startsWith('${');
    if (!dynamic && !LOG_TABLE.test(target)) continue;
    if (moves.some(([a, b]) => m.index >= a && m.index < b)) continue;
    found.push(`${(m[1] as string).replace(/\s+/g, ' ').toUpperCase()} ${target}`);
  }
  for (const m of code.matchAll(UPSERT_ON_LOG)) found.push(`UPSERT ${m[1]}`);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|js|mjs|sql)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

/** GDPR erasure (issue 19): the one other file that may update log rows, and only their personal columns. */
const ERASURE = 'store/sql/personal.ts';
const PERSONAL_COLUMNS = new Set(['personal_salt', 'actor_email', 'actor_ip', 'actor_name']);

describe('append-only logs', () => {
  it('erasure updates only the personal columns outside the leaf (salt, email, IP, name), never deletes a row', () => {
    const code = readFileSync(join(SRC, ERASURE), 'utf8');
    const found = findLogMutations(code);
    expect(found.sort()).toEqual(['UPDATE access_log', 'UPDATE audit_log']);
    for (const m of code.matchAll(/UPDATE\s+(audit_log|access_log)\s+SET\s+(.*?)\s+WHERE/g)) {
      const cols = (m[2] as string).split(',').map((a) => (a.split('=')[0] as string).trim());
      expect(cols.every((c) => PERSONAL_COLUMNS.has(c)), `${m[1]}: ${cols.join(', ')}`).toBe(true);
    }
  });

  it('the scanner flags log mutations and dynamic targets, and spares purge functions, moves and other tables', () => {
    expect(findLogMutations("db.prepare('DELETE FROM audit_log WHERE seq = ?')")).toEqual(['DELETE FROM audit_log']);
    expect(findLogMutations('q(`UPDATE access_log SET status = 200`)')).toEqual(['UPDATE access_log']);
    expect(findLogMutations('q(`delete from ${table} where 1`)')).toEqual(['DELETE FROM ${table}']);
    expect(findLogMutations('TRUNCATE TABLE audit_log_2026_01; DROP TABLE IF EXISTS access_log')).toHaveLength(2);
    expect(findLogMutations("INSERT INTO audit_log (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 2")).toEqual(['UPSERT audit_log']);
    expect(findLogMutations("UPDATE secrets SET v = 1; DELETE FROM members; INSERT INTO settings ON CONFLICT DO UPDATE SET x=1")).toEqual([]);
    expect(findLogMutations('`WITH moved AS (DELETE FROM ${t}_default WHERE ts >= $1 RETURNING *) INSERT INTO ${n} SELECT * FROM moved`')).toEqual([]);
    const purge = 'async function purge(table: string, n: number): Promise<number> { if (x) { y(); } return q(`DELETE FROM ${table}`); }\nq(`DELETE FROM audit_log`);';
    expect(findLogMutations(stripPurgeFunctions(purge))).toEqual(['DELETE FROM audit_log']);
    const method = 'purgeAudit(olderThan, batch) { return db.run(`DELETE FROM audit_log WHERE ts < ?`); },\n other() {}';
    expect(findLogMutations(stripPurgeFunctions(method))).toEqual([]);
  });

  it('no code path in src/ updates or deletes audit or access rows, except retention and GDPR erasure', () => {
    const files = sourceFiles(SRC).filter((f) => !/^audit\/retention/.test(relative(SRC, f)) && relative(SRC, f) !== ERASURE);
    expect(files.length).toBeGreaterThan(30);
    const violations: string[] = [];
    let strippedSomething = false;
    for (const f of files) {
      const rel = relative(SRC, f);
      const raw = readFileSync(f, 'utf8');
      const inAdapter = /^store\/[^/]+\/[^/]+$/.test(rel);
      const code = inAdapter ? stripPurgeFunctions(raw) : raw;
      if (code !== raw && findLogMutations(raw).length > findLogMutations(code).length) strippedSomething = true;
      for (const v of findLogMutations(code)) violations.push(`${rel}: ${v}`);
    }
    expect(violations).toEqual([]);
    // The adapters' retention deletes exist and were excused only because they are purge functions.
    expect(strippedSomething).toBe(true);
  });
});
