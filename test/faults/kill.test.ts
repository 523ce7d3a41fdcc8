import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/schema.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { freePort, makeDataDir, removeDataDir, REPO_ROOT, SERVER_BIN, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { auditedReadIds, reads, seedSecret, until } from './fixture.js';

/**
 * SIGKILL in the middle of long writes that are not requests: a retention purge and a schema
 * migration. The restarted server finds a consistent store (integrity check, nothing half-applied)
 * and finishes the work.
 */
const VALUE = 'kill-fault-marker-8e20';
const OLD_TS = new Date(Date.now() - 400 * 86_400_000).toISOString();

/** Appends n audit and n access rows dated `ts` (default 400 days ago: older than both default windows). */
function insertOldRows(db: Database.Database, n: number, ts = OLD_TS): void {
  db.exec(`
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${n})
    INSERT INTO audit_log (id, ts, event, actor_type, outcome, details, project_slug, resource)
      SELECT 'old-a-' || i, '${ts}', 'SecretRead', 'User', 'Success', '{}', 'faults', 'K' || (i % 50) FROM c;
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${n})
    INSERT INTO access_log (id, ts, request_id, method, path, status, duration_ms, actor_type)
      SELECT 'old-x-' || i, '${ts}', 'r-' || i, 'GET', '/x', 200, 1.0, 'User' FROM c;`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Appends n old audit and access rows through the store's own commit path, so they are leaves of the
 * Audit Log's Merkle tree like any entry (rows inserted behind the store's back would put the tree out
 * of step, and the server would rightly refuse to commit anything after them).
 */
async function commitOldRows(file: string, n: number): Promise<void> {
  const store = createSqliteStore({ file });
  await store.migrate();
  const actor = { type: 'User' as const, id: 'u-old', email: 'old@example.com', name: 'Old', ip: '127.0.0.1', client: null };
  for (let i = 0; i < n; i += 5000) {
    const units = Array.from({ length: Math.min(5000, n - i) }, (_, j) => ({
      audit: [{ id: `old-a-${i + j}`, timestamp: OLD_TS, event: 'SecretRead' as const, actor, projectSlug: 'faults', environmentSlug: 'prod', resource: `K${j % 50}`, outcome: 'Success' as const, requestId: `r-${i + j}`, userAgent: null, reason: null, details: {} }],
      access: [{ id: `old-x-${i + j}`, timestamp: OLD_TS, requestId: `r-${i + j}`, method: 'GET', route: null, path: '/x', status: 200, durationMs: 1, actor, userAgent: null, projectSlug: null, environmentSlug: null }],
    }));
    const outcomes = await store.commitBatch(units);
    if (outcomes.some((o) => !o.ok)) throw new Error('loading old rows failed');
  }
  await store.close();
}

describe('SIGKILL during a retention purge and during a migration (SQLite)', () => {
  const dirs: string[] = [];
  let srv: ServerProcess | null = null;
  afterEach(async () => {
    await srv?.kill();
    srv = null;
    for (const d of dirs.splice(0)) removeDataDir(d);
  });

  it('killed mid-purge: the restart finds an intact database whose old rows are a contiguous tail of what was there, then finishes the purge', async () => {
    const first = await startServerProcess();
    dirs.push(first.dataDir);
    const token = await seedSecret(first, VALUE);
    const ok = await reads(first, token, 5);
    await first.stop();
    const file = join(first.dataDir, 'bella.db');
    await commitOldRows(file, 100_000);
    const db = new Database(file, { readonly: true });
    const total = (db.prepare("SELECT count(*) AS n FROM audit_log WHERE id LIKE 'old-a-%'").get() as { n: number }).n;
    db.close();

    // The purge runs at start; kill the server once it has removed some rows but not all.
    srv = await startServerProcess({ dataDir: first.dataDir });
    const watch = new Database(file, { readonly: true });
    const oldLeft = () => (watch.prepare("SELECT count(*) AS n FROM audit_log WHERE id LIKE 'old-a-%'").get() as { n: number }).n;
    let left = total;
    for (let i = 0; i < 1500 && left === total; i++) {
      await sleep(10);
      left = oldLeft();
    }
    await srv.kill();
    srv = null;
    const atKill = oldLeft();
    watch.close();
    expect(atKill, 'the purge had not started, or had finished, when the process was killed').toBeGreaterThan(0);
    expect(atKill).toBeLessThan(total);

    const check = new Database(file, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    // Removed oldest first: what is left of the old rows is one contiguous run of seq.
    const run = check.prepare("SELECT min(seq) AS lo, max(seq) AS hi, count(*) AS n FROM audit_log WHERE id LIKE 'old-a-%'").get() as { lo: number; hi: number; n: number };
    expect(run.hi - run.lo + 1).toBe(run.n);
    check.close();

    srv = await startServerProcess({ dataDir: first.dataDir });
    const t2 = await srv.login();
    const done = await until(
      async () => (await srv?.request('GET', '/api/v1/audit-logs?event=LogsPurged', { token: t2 }))?.json<{ entries: unknown[] }>().entries.length ?? 0,
      (n) => n > 0,
      60_000,
    );
    expect(done).toBeGreaterThan(0);
    const audited = await auditedReadIds(srv, t2);
    for (const r of ok) expect(audited.has(r.headers.get('x-request-id') as string)).toBe(true);
    expect((await reads(srv, t2, 1))[0]?.json()).toMatchObject({ value: VALUE });
  }, 120_000);

  it('killed mid-migration: each migration is all or nothing, the rows are intact, and the next start completes the schema', async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const file = join(dir, 'bella.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(SQLITE_MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    insertOldRows(db, 150_000, new Date().toISOString()); // recent: no purge after the migrations
    db.close();
    // Migration 2 builds indexes over both logs: long enough to be killed in the middle.
    const migration2 = ['audit_project_seq', 'audit_denied', 'audit_denied_event', 'access_project_seq'];

    const versions: number[] = [];
    const wal = () => {
      try {
        return statSync(`${file}-wal`).size;
      } catch {
        return 0;
      }
    };
    // First kill: once migration 2 is writing its indexes (the WAL grew by 1 MiB while the committed
    // schema still said version 1), so the kill usually lands inside a migration. Then fixed delays.
    for (const when of ['mid-migration', 150, 400, 800] as const) {
      const port = await freePort();
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BELLA_')) env[k] = v;
      Object.assign(env, { BELLA_DATA_DIR: dir, BELLA_PORT: String(port), BELLA_ADMIN_EMAIL: 'admin@example.com', BELLA_ADMIN_PASSWORD: 'correct-horse-battery' });
      const walBefore = wal();
      const child = spawn(process.execPath, [SERVER_BIN], { cwd: REPO_ROOT, env, stdio: 'ignore' });
      if (when === 'mid-migration') {
        for (let i = 0; i < 2000 && wal() < walBefore + 1024 * 1024; i++) await sleep(5);
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        // Best effort: on a loaded machine the migration can finish between two polls, so where the
        // kill landed is reported, not asserted (the checks below hold wherever it landed).
        const peek = new Database(file, { readonly: true });
        const v = peek.pragma('user_version', { simple: true }) as number;
        peek.close();
        console.info(`migration SIGKILL: the first kill landed at user_version ${v} (1 = inside migration 2)`);
      } else {
        await sleep(when);
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      const delayMs = when;

      const check = new Database(file, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      const version = check.pragma('user_version', { simple: true }) as number;
      versions.push(version);
      const indexes = new Set((check.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name));
      const present = migration2.filter((n) => indexes.has(n));
      // Migration 13 replaces the two (project_slug, seq) indexes by (project_slug, seq, environment_slug).
      const expected = version < 2 ? [] : version < 13 ? migration2 : migration2.filter((n) => !n.endsWith('_project_seq'));
      expect(present, `after ${delayMs} ms: user_version ${version}`).toEqual(expected);
      expect((check.prepare("SELECT count(*) AS n FROM audit_log WHERE id LIKE 'old-a-%'").get() as { n: number }).n).toBe(150_000);
      check.close();
    }

    srv = await startServerProcess({ dataDir: dir, admin: { email: 'admin@example.com', password: 'correct-horse-battery' } });
    expect((await srv.request('GET', '/readyz')).status).toBe(200);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    check.close();
  }, 120_000);
});
