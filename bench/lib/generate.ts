import Database from 'better-sqlite3';
import { PRODUCT_EVENTS } from '../../src/contract/events.js';
import { AUDIT_COLUMNS } from '../../src/store/rows.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export const PROJECTS = Array.from({ length: 10 }, (_, i) => `proj-${i}`);
export const ENVIRONMENTS = ['dev', 'qa', 'staging', 'prod', 'sandbox'];
export const ACTORS = 1000;
export const actorEmail = (a: number) => `user${a}@example.com`;
export const actorId = (a: number) => `00000000-0000-4000-a000-${a.toString(16).padStart(12, '0')}`;

export interface GenOpts {
  readonly entries: number;
  /** timestamp of the first entry (ms); entries are spread evenly up to `endMs` */
  readonly startMs: number;
  readonly endMs: number;
  /** all entries in this project when set (export benchmark: an AUDITOR key's scope) */
  readonly onlyProject?: string;
  readonly seed?: number;
}

/**
 * Fills the audit_log of a Bella SQLite database with generated entries, fast: the store creates the
 * schema (createSqliteStore + migrate), then one plain better-sqlite3 connection drops the log's
 * secondary indexes, inserts in big transactions without a journal, and recreates the indexes from
 * their own CREATE INDEX statements, so the result is exactly the schema the server runs on.
 * Distribution: 10 projects × 5 environments, 1,000 actors (90 % users, 10 % API keys), the 17
 * product events uniformly, 2 % Denied, timestamps increasing with seq over [startMs, endMs].
 */
export async function generateAuditLog(file: string, o: GenOpts): Promise<{ seconds: number; maxSeq: number }> {
  const t0 = performance.now();
  const store = createSqliteStore({ file });
  await store.migrate();
  await store.close();
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.pragma('temp_store = MEMORY');
  db.pragma('threads = 2');
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' AND sql IS NOT NULL").all() as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
  const base = (db.prepare("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0) AS s").get() as { s: number }).s;

  const CHUNK = 500;
  const GENERATED_TAIL: null[] = Array(AUDIT_COLUMNS.length - 17).fill(null);
  const one = `(${AUDIT_COLUMNS.map(() => '?').join(',')})`;
  const insMany = db.prepare(`INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES ${Array(CHUNK).fill(one).join(',')}`);
  const insOne = db.prepare(`INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES ${one}`);
  let x = o.seed ?? 0x9e3779b9;
  const rnd = () => {
    // xorshift32: fast and reproducible
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const step = (o.endMs - o.startMs) / Math.max(1, o.entries - 1);
  const details = ['{"version":1}', '{"version":2}', '{"version":7}', '{"count":12}'];
  const row = (i: number, out: unknown[]) => {
    const seq = base + i + 1;
    const hex = seq.toString(16).padStart(12, '0');
    const a = Math.floor(rnd() * ACTORS);
    const isUser = a < 900;
    const p = Math.floor(rnd() * PROJECTS.length);
    const denied = rnd() < 0.02;
    out.push(
      seq, `b0000000-0000-4000-8000-${hex}`, new Date(o.startMs + i * step).toISOString(),
      PRODUCT_EVENTS[Math.floor(rnd() * PRODUCT_EVENTS.length)],
      isUser ? 'User' : 'ApiKey', actorId(a), isUser ? actorEmail(a) : null, isUser ? `User ${a}` : `key-${a}`, `10.1.${a >> 8}.${a & 255}`,
      o.onlyProject ?? PROJECTS[p], ENVIRONMENTS[Math.floor(rnd() * ENVIRONMENTS.length)], `SECRET_${Math.floor(rnd() * 200)}`,
      denied ? 'Denied' : 'Success', `00000000-0000-4000-9000-${hex}`, 'bella-cli/0.1.0', denied ? 'forbidden' : null,
      details[i & 3],
      // client, personal_salt, personal_hash: no calling application; the personal commitment is
      // left null as for any row written outside the unit of work (these rows precede the tree).
      ...GENERATED_TAIL,
    );
  };
  const TX = 200_000;
  const fill = db.transaction((from: number, to: number) => {
    let i = from;
    for (; i + CHUNK <= to; i += CHUNK) {
      const vals: unknown[] = [];
      for (let k = 0; k < CHUNK; k++) row(i + k, vals);
      insMany.run(...vals);
    }
    for (; i < to; i++) {
      const vals: unknown[] = [];
      row(i, vals);
      insOne.run(...vals);
    }
  });
  for (let i = 0; i < o.entries; i += TX) fill(i, Math.min(o.entries, i + TX));
  for (const ix of indexes) db.exec(ix.sql);
  db.pragma('journal_mode = WAL');
  db.close();
  return { seconds: (performance.now() - t0) / 1000, maxSeq: base + o.entries };
}
