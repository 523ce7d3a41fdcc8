import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessPageSql, auditPageSql } from '../../src/store/log-sql.js';
import { createPostgresStore, POSTGRES_DIALECT } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, postgresAvailable, queryDatabase, type TestDatabase } from '../helpers/pg.js';

const PG = await postgresAvailable();

/** The indexes of a partitioned log (on the parent; PostgreSQL creates each on every partition). */
const indexesOf = async (url: string, table: string) =>
  (
    await queryDatabase<{ name: string }>(
      url,
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
       WHERE t.relname = $1 ORDER BY 1`,
      [table],
    )
  ).map((r) => r.name);

describe.skipIf(!PG)('PostgreSQL log indexes (migration 13)', () => {
  let db: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    db = await createTestDatabase();
    store = createPostgresStore({ url: db.url, now: () => new Date('2026-01-15T00:00:00.000Z') });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('leaves exactly the intended indexes on both logs', async () => {
    expect(await indexesOf(db.url, 'audit_log')).toEqual([
      'audit_actor_email', 'audit_actor_id', 'audit_actor_name', 'audit_client', 'audit_denied', 'audit_denied_event', 'audit_event',
      'audit_log_id_ts_key', 'audit_log_pkey', 'audit_project_seq_env', 'audit_request', 'audit_resource', 'audit_ts',
    ]);
    expect(await indexesOf(db.url, 'access_log')).toEqual([
      'access_log_id_ts_key', 'access_log_pkey', 'access_project_seq_env', 'access_request', 'access_status', 'access_ts',
    ]);
  });

  it('a project with or without an environment walks (project_slug, seq, environment_slug) newest first on both logs', async () => {
    await queryDatabase(
      db.url,
      `INSERT INTO audit_log (seq, id, ts, event, actor_type, project_slug, environment_slug, outcome, request_id, details)
       SELECT g, 'id-' || g, '2026-01-01'::timestamptz + g * interval '1 second', 'SecretRead', 'User', 'p' || (g % 20),
              (ARRAY['prod','dev','qa'])[1 + g % 3], 'Success', 'req-' || g, '{}'::jsonb
       FROM generate_series(1, 60000) g`,
    );
    await queryDatabase(
      db.url,
      `INSERT INTO access_log (seq, id, ts, request_id, method, path, status, duration_ms, actor_type, project_slug, environment_slug)
       SELECT g, 'c-' || g, '2026-01-01'::timestamptz + g * interval '1 second', 'req-' || g, 'GET', '/x', 200, 1, 'User', 'p' || (g % 20),
              (ARRAY['prod','dev','qa'])[1 + g % 3]
       FROM generate_series(1, 60000) g`,
    );
    await queryDatabase(db.url, 'ANALYZE audit_log');
    await queryDatabase(db.url, 'ANALYZE access_log');
    for (const f of [{ project: 'p3' }, { project: 'p3', environment: 'prod' }, { project: 'p3', environment: 'prod', beforeSeq: 30000 }]) {
      for (const [q, index] of [[auditPageSql(f, POSTGRES_DIALECT, 101), 'audit_log'], [accessPageSql(f, POSTGRES_DIALECT, 101), 'access_log']] as const) {
        const plan = (await queryDatabase<{ 'QUERY PLAN': string }>(db.url, `EXPLAIN ${q.sql}`, q.params)).map((r) => r['QUERY PLAN']).join('\n');
        // Empty partitions are scanned for free; the populated month is read through the index, newest first.
        expect(plan, JSON.stringify(f)).not.toMatch(/Seq Scan on (audit|access)_log_p202601/);
        // Each partition's copy of the index is named after the partition and the columns.
        expect(plan, `${JSON.stringify(f)} ${index}\n${plan}`).toMatch(/Index Scan Backward using \S+_project_slug_seq_environment_slug_idx/);
      }
    }
    const page = await store.auditLog.query({ project: 'p3', environment: 'prod' }, 5);
    // g % 20 = 3 and g % 3 = 0 (prod): g ≡ 3 (mod 60)
    expect(page.map((e) => e.seq)).toEqual([59943, 59883, 59823, 59763, 59703]);
    const access = await store.accessLog.query({ project: 'p3', environment: 'prod' }, 3);
    expect(access.map((e) => e.seq)).toEqual([59943, 59883, 59823]);
  });
});
