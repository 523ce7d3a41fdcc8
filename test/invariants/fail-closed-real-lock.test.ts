import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';

/**
 * Invariant 2 with a real fault instead of a wrapper: another process-level connection holds the
 * SQLite write lock, so the real server's commits fail with SQLITE_BUSY after its busy timeout (5 s).
 * Reads answer 503 without the value and /readyz says why; all recovers after. (Refused writes are
 * covered by fail-closed.test.ts: here each failed commit costs the full busy timeout, during which
 * better-sqlite3 blocks the server's event loop, so this test keeps to the essential requests.)
 */
// SQLite only: the fault is a real SQLite file lock (BEGIN IMMEDIATE from a second connection on bella.db); PostgreSQL's real faults are in test/pg/connection-loss.test.ts.
describe('fail-closed against a real locked database', () => {
  let srv: ServerProcess | undefined;
  afterAll(async () => {
    await srv?.stop();
    if (srv) removeDataDir(srv.dataDir);
  });

  it('while the write lock is held elsewhere: a read answers 503 without the value, /readyz 503 with the reason; then recovery', { timeout: 90_000 }, async () => {
    srv = await startServerProcess();
    const s = srv;
    const token = await s.login();
    const base = '/api/v1/projects/lock/environments/prod';
    expect((await s.request('POST', '/api/v1/projects', { token, body: { slug: 'lock', name: 'Lock' } })).status).toBe(201);
    expect((await s.request('POST', '/api/v1/projects/lock/environments', { token, body: { slug: 'prod', name: 'Prod' } })).status).toBe(201);
    expect((await s.request('PUT', `${base}/secrets/K`, { token, body: { value: 'locked-value-91f3' } })).status).toBe(200);

    const other = new Database(join(s.dataDir, 'bella.db'));
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    let read, ready;
    try {
      [read, ready] = await Promise.all([
        s.request('GET', `${base}/secrets/K`, { token, headers: { 'x-request-id': 'locked-read' } }),
        s.request('GET', '/readyz'),
      ]);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(read.status).toBe(503);
    expect(read.text).not.toContain('locked-value-91f3');
    expect(read.json().error.code).toBe('audit_unavailable');
    expect(ready.status).toBe(503);
    expect(ready.json().reason).toMatch(/refuses writes.*(locked|busy)/i);

    // Recovery: the old value and version, /readyz ready, and nothing of the refused requests in the logs.
    const after = await s.request('GET', `${base}/secrets/K`, { token });
    expect(after.status).toBe(200);
    expect(after.json()).toMatchObject({ value: 'locked-value-91f3', version: 1 });
    const r2 = await s.request('GET', '/readyz');
    expect(r2.status).toBe(200);
    for (const id of ['locked-read']) {
      expect((await s.request('GET', `/api/v1/audit-logs?requestId=${id}`, { token })).json().entries).toEqual([]);
      expect((await s.request('GET', `/api/v1/access-logs?requestId=${id}`, { token })).json().entries).toEqual([]);
    }
    // The operator sees why in the server log (without any value).
    expect(s.stdout() + s.stderr()).toMatch(/not durable; answering 503/);
    expect(s.stdout() + s.stderr()).not.toContain('locked-value-91f3');
  });
});
