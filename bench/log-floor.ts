import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '../src/audit/ids.js';
import { ACCESS_COLUMNS, AUDIT_COLUMNS } from '../src/store/rows.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/schema.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { AccessDraft, AuditDraft, Unit } from '../src/store/types.js';

/**
 * The cost floor of durable logging on one core, for the read rounds (bench/read-rounds.ts): CPU µs per
 * request of writing one audited read's two log rows (one Audit Log row, one Access Log row), 25
 * requests per transaction (the batch size 50 connections give), in this process alone, pinned by the
 * caller to the server's core. Three levels, each a superset of the one before:
 *
 *   pk     two tables with the log columns and only their primary key, SQLite's own durable COMMIT
 *          (WAL, synchronous=FULL): what any design that keeps two durable rows per request pays;
 *   schema the same rows into Bella's real log tables (every migration, every index the queries need);
 *   store  Bella's store itself: commitBatch with the read's two drafts (salts, personal commitment,
 *          Merkle leaf and tree, savepoint, the WAL flush off the event loop, checkpoints).
 *
 * Run as `node dist/bench/log-floor.js <pk|schema|store> [requests]`; prints one JSON line.
 */
const mode = process.argv[2] as 'pk' | 'schema' | 'store';
const N = Number(process.argv[3] ?? 50_000);
const B = 25;

const actor = { type: 'ApiKey', id: 'key_0190abcd', email: null, name: 'bench-key', ip: '127.0.0.1', client: null } as const;
const PATH = '/api/v1/projects/bench/environments/prod/secrets/DATABASE_URL';
function drafts(): { audit: AuditDraft; access: AccessDraft } {
  const timestamp = new Date().toISOString();
  const requestId = uuidv7();
  return {
    audit: { id: uuidv7(), timestamp, event: 'SecretRead', actor, projectSlug: 'bench', environmentSlug: 'prod', resource: 'DATABASE_URL', outcome: 'Success', requestId, userAgent: 'autocannon', reason: null, details: { version: 1 } } as unknown as AuditDraft,
    access: { id: uuidv7(), timestamp, requestId, method: 'GET', route: '/api/v1/projects/:project/environments/:environment/secrets/:key', path: PATH, status: 200, durationMs: 0.31, actor, userAgent: 'autocannon', projectSlug: 'bench', environmentSlug: 'prod' } as unknown as AccessDraft,
  };
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bella-floor-'));
  try {
    if (mode === 'store') {
      const store = createSqliteStore({ file: join(dir, 'bella.db'), synchronous: 'FULL' });
      await store.migrate();
      const unit = (): Unit => {
        const d = drafts();
        return { audit: [d.audit], access: [d.access] };
      };
      const t0 = process.cpuUsage();
      for (let i = 0; i < N; i += B) await store.commitBatch(Array.from({ length: B }, unit));
      const c = process.cpuUsage(t0);
      await store.close();
      return (c.user + c.system) / N;
    }
    const db = new Database(join(dir, 'floor.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    if (mode === 'schema') for (const m of SQLITE_MIGRATIONS) db.exec(m);
    else {
      db.exec(`CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, ${AUDIT_COLUMNS.slice(1).join(', ')})`);
      db.exec(`CREATE TABLE access_log (seq INTEGER PRIMARY KEY, ${ACCESS_COLUMNS.slice(1).join(', ')})`);
    }
    const ins = (table: string, cols: readonly string[]) => db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    const audit = ins('audit_log', AUDIT_COLUMNS);
    const access = ins('access_log', ACCESS_COLUMNS);
    let seq = 0;
    const t0 = process.cpuUsage();
    for (let i = 0; i < N; i += B) {
      db.exec('BEGIN IMMEDIATE');
      for (let j = 0; j < B; j++) {
        const { audit: a, access: x } = drafts();
        const s = ++seq;
        audit.run(s, a.id, a.timestamp, a.event, a.actor.type, a.actor.id, a.actor.email, a.actor.name, a.actor.ip, a.projectSlug, a.environmentSlug, a.resource, a.outcome, a.requestId, a.userAgent, a.reason, JSON.stringify(a.details), null, 'a'.repeat(32), 'b'.repeat(64));
        access.run(s, x.id, x.timestamp, x.requestId, x.method, x.route, x.path, x.status, x.durationMs, x.actor.type, x.actor.id, x.actor.email, x.actor.name, x.actor.ip, x.userAgent, x.projectSlug, x.environmentSlug, null);
      }
      db.exec('COMMIT');
    }
    const c = process.cpuUsage(t0);
    db.close();
    return (c.user + c.system) / N;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (mode !== 'pk' && mode !== 'schema' && mode !== 'store') {
  process.stderr.write('usage: log-floor.js <pk|schema|store> [requests]\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ mode, requests: N, cpuUsPerRequest: await main() })}\n`);
