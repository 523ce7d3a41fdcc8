import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accessPageSql, auditPageSql } from '../log-sql.js';
import type { AccessFilter, AuditFilter } from '../types.js';
import { SQLITE_MIGRATIONS } from './schema.js';
import { createSqliteStore, SQLITE_DIALECT } from './sqlite-store.js';

/**
 * The log indexes after every migration (issue 13: fewer index entries per log row), and that each
 * filter of the product page still starts from an index. SQLite plans without statistics (the server
 * never runs ANALYZE), so the plan of an empty database is the plan of a full one.
 */
const AUDIT_INDEXES = [
  'audit_actor_email', 'audit_actor_id', 'audit_actor_name', 'audit_client', 'audit_denied', 'audit_denied_event',
  'audit_event', 'audit_project_seq_env', 'audit_request', 'audit_resource', 'audit_ts', 'sqlite_autoindex_audit_log_1',
];
const ACCESS_INDEXES = ['access_project_seq_env', 'access_request', 'access_status', 'access_ts', 'sqlite_autoindex_access_log_1'];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'bella-idx-'));
  dirs.push(d);
  return join(d, 'bella.db');
};
const indexesOf = (db: Database.Database, table: string) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name").all(table) as { name: string }[]).map((r) => r.name);

async function migrated(): Promise<Database.Database> {
  const file = tempFile();
  const store = createSqliteStore({ file });
  await store.migrate();
  await store.close();
  return new Database(file, { readonly: true });
}

const planOf = (db: Database.Database, q: { sql: string; params: unknown[] }) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail);

/** Each filter's page query names its index in the plan; closes the database. */
function expectStarts<F>(db: Database.Database, cases: readonly [F, string][], page: (f: F) => { sql: string; params: unknown[] }): void {
  try {
    for (const [f, index] of cases) {
      const plan = planOf(db, page(f));
      expect(plan.join(' | '), JSON.stringify(f)).toMatch(new RegExp(`INDEX ${index}(?!\\w)`));
    }
  } finally {
    db.close();
  }
}

describe('SQLite log indexes (migration 13)', () => {
  it('leaves exactly the intended indexes on both logs', async () => {
    const db = await migrated();
    try {
      expect(indexesOf(db, 'audit_log')).toEqual(AUDIT_INDEXES);
      expect(indexesOf(db, 'access_log')).toEqual(ACCESS_INDEXES);
    } finally {
      db.close();
    }
  });

  it('every page filter of the Audit Log starts from the index meant for it', async () => {
    const db = await migrated();
    const cases: [AuditFilter, string][] = [
      [{ project: 'p' }, 'audit_project_seq_env'],
      [{ project: 'p', environment: 'prod' }, 'audit_project_seq_env'],
      [{ project: 'p', environment: 'prod', beforeSeq: 1000 }, 'audit_project_seq_env'],
      [{ projectIn: ['a', 'b'], includeInstance: true }, 'audit_project_seq_env'],
      [{ actor: 'a@example.com' }, 'audit_actor_email'],
      [{ actor: 'a@example.com' }, 'audit_actor_name'],
      [{ actor: 'a@example.com' }, 'audit_actor_id'],
      [{ events: ['SecretRead'] }, 'audit_event'],
      [{ project: 'p', events: ['SecretRead'] }, 'audit_event'],
      [{ resource: 'K' }, 'audit_resource'],
      [{ outcome: 'Denied' }, 'audit_denied'],
      [{ outcome: 'Denied', events: ['SecretRead'], project: 'p', environment: 'prod' }, 'audit_denied_event'],
      [{ requestId: 'r-1' }, 'audit_request'],
      [{ client: 'bella-cli' }, 'audit_client'],
      [{ id: '0190-x' }, 'sqlite_autoindex_audit_log_1'],
      [{ until: '2026-01-01T00:00:00.000Z' }, 'audit_ts'],
    ];
    expectStarts(db, cases, (f) => auditPageSql(f, SQLITE_DIALECT, 101));
  });

  it('the Access Log filters with an index still start from it', async () => {
    const db = await migrated();
    const cases: [AccessFilter, string][] = [
      [{ project: 'p' }, 'access_project_seq_env'],
      [{ project: 'p', environment: 'prod' }, 'access_project_seq_env'],
      [{ projectIn: ['a', 'b'], includeInstance: false }, 'access_project_seq_env'],
      [{ requestId: 'r-1' }, 'access_request'],
      [{ status: 500 }, 'access_status'],
      [{ id: '0190-x' }, 'sqlite_autoindex_access_log_1'],
      [{ until: '2026-01-01T00:00:00.000Z' }, 'access_ts'],
    ];
    expectStarts(db, cases, (f) => accessPageSql(f, SQLITE_DIALECT, 101));
  });

  it('migration 13 keeps every row of a database at version 12, and the project pages stay the same', async () => {
    const file = tempFile();
    const db = new Database(file);
    for (const m of SQLITE_MIGRATIONS.slice(0, 12)) db.exec(m);
    db.pragma('user_version = 12');
    const insAudit = db.prepare(
      `INSERT INTO audit_log (id, ts, event, actor_type, project_slug, environment_slug, outcome, details) VALUES (?, ?, 'SecretRead', 'User', ?, ?, 'Success', '{}')`,
    );
    const insAccess = db.prepare(
      `INSERT INTO access_log (id, ts, request_id, method, path, status, duration_ms, actor_type, project_slug, environment_slug) VALUES (?, ?, ?, 'GET', '/x', 200, 1, 'User', ?, ?)`,
    );
    for (let i = 1; i <= 300; i++) {
      const ts = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
      const project = i % 3 === 0 ? null : `p${i % 3}`;
      const env = ['dev', 'prod', null][i % 3] ?? null;
      insAudit.run(`a-${i}`, ts, project, env);
      insAccess.run(`c-${i}`, ts, `r-${i}`, project, env);
    }
    db.close();
    const expectSeqs = (n: number, keep: (i: number) => boolean) =>
      Array.from({ length: n }, (_, k) => n - k).filter(keep).slice(0, 20);

    const store = createSqliteStore({ file });
    try {
      await store.migrate();
      const seqs = (es: readonly { seq: number }[]) => es.map((e) => e.seq);
      expect(seqs(await store.auditLog.query({}, 1000))).toHaveLength(300);
      expect(seqs(await store.accessLog.query({}, 1000))).toHaveLength(300);
      // p1: i % 3 === 1, environment ['dev', 'prod', null][1] = 'prod'
      expect(seqs(await store.auditLog.query({ project: 'p1', environment: 'prod' }, 20))).toEqual(expectSeqs(300, (i) => i % 3 === 1));
      expect(seqs(await store.accessLog.query({ project: 'p2', environment: 'prod' }, 20))).toEqual([]);
      expect(seqs(await store.accessLog.query({ project: 'p2' }, 20))).toEqual(expectSeqs(300, (i) => i % 3 === 2));
      expect((await store.auditLog.query({ id: 'a-150' }, 1))[0]?.seq).toBe(150);
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
      expect(indexesOf(check, 'audit_log')).toEqual(AUDIT_INDEXES);
      expect(indexesOf(check, 'access_log')).toEqual(ACCESS_INDEXES);
    } finally {
      check.close();
    }
  });
});
