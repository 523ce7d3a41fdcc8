import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessPageSql, auditPageSql } from '../../src/store/log-sql.js';
import { listPartitions } from '../../src/store/postgres/partitions.js';
import { createPostgresStore, POSTGRES_DIALECT } from '../../src/store/postgres/postgres-store.js';
import { accessDraft, auditDraft } from '../../src/store/store.conformance.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, postgresAvailable, queryDatabase, type TestDatabase } from '../helpers/pg.js';
import pg from 'pg';

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

describe.skipIf(!PG)('PostgreSQL log partitions', () => {
  let db: TestDatabase;
  let store: Store;
  const partitions = async (table: 'audit_log' | 'access_log') => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return await listPartitions(c, table);
    } finally {
      await c.end();
    }
  };
  beforeEach(async () => {
    db = await createTestDatabase();
    store = createPostgresStore({ url: db.url, now: () => new Date('2026-01-15T00:00:00.000Z') });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('migrate creates the current month and three ahead, plus a default partition, for both logs', async () => {
    for (const t of ['audit_log', 'access_log'] as const) {
      expect(await partitions(t)).toEqual([`${t}_default`, `${t}_p202601`, `${t}_p202602`, `${t}_p202603`, `${t}_p202604`]);
    }
  });

  it('a purge drops whole expired months and deletes only the rows of the month straddling the cut-off', async () => {
    await store.ensurePartitions('2025-10-15T00:00:00.000Z');
    const times = ['2025-10-10T00:00:00.000Z', '2025-11-10T00:00:00.000Z', '2025-11-11T00:00:00.000Z', '2025-12-05T00:00:00.000Z', '2025-12-20T00:00:00.000Z', '2026-01-05T00:00:00.000Z', '1999-01-01T00:00:00.000Z'];
    await store.commitBatch([{ audit: times.map((timestamp) => auditDraft({ timestamp })), access: [accessDraft({ timestamp: times[0] })] }]);
    expect(await store.auditLog.purge('2025-12-15T00:00:00.000Z', 100)).toBe(5);
    const left = await partitions('audit_log');
    expect(left).not.toContain('audit_log_p202510');
    expect(left).not.toContain('audit_log_p202511');
    expect(left).toContain('audit_log_p202512');
    expect((await store.auditLog.query({}, 10)).map((e) => e.timestamp)).toEqual(['2026-01-05T00:00:00.000Z', '2025-12-20T00:00:00.000Z']);
    // The Access Log has its own window: untouched by the audit purge.
    expect(await store.accessLog.query({}, 10)).toHaveLength(1);
    expect(await partitions('access_log')).toContain('access_log_p202510');
  });

  it('rows that landed in the default partition move into their month when it is created', async () => {
    await store.commitBatch([{ audit: [auditDraft({ timestamp: '2027-06-10T00:00:00.000Z' })], access: [] }]);
    expect(await queryDatabase(db.url, 'SELECT count(*)::int AS n FROM audit_log_default')).toEqual([{ n: 1 }]);
    await store.ensurePartitions('2027-06-01T00:00:00.000Z');
    expect(await queryDatabase(db.url, 'SELECT count(*)::int AS n FROM audit_log_default')).toEqual([{ n: 0 }]);
    expect(await queryDatabase(db.url, 'SELECT count(*)::int AS n FROM audit_log_p202706')).toEqual([{ n: 1 }]);
    expect((await store.auditLog.query({}, 10)).map((e) => e.seq)).toEqual([1]);
  });

  it('two nodes purging at once neither fail nor count a row twice', async () => {
    await store.ensurePartitions('2025-10-15T00:00:00.000Z');
    const times = ['2025-10-10T00:00:00.000Z', '2025-11-10T00:00:00.000Z', '2025-12-20T00:00:00.000Z', '1999-01-01T00:00:00.000Z'];
    await store.commitBatch([{ audit: times.flatMap((timestamp) => Array.from({ length: 50 }, () => auditDraft({ timestamp }))), access: [] }]);
    const other = createPostgresStore({ url: db.url });
    try {
      const counts = await Promise.all([store.auditLog.purge('2026-01-01T00:00:00.000Z', 7), other.auditLog.purge('2026-01-01T00:00:00.000Z', 7)]);
      expect(counts[0] + counts[1]).toBe(200);
      expect(await store.auditLog.query({}, 10)).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('the product page filters run on indexes, newest first by seq, never scanning a whole partition', async () => {
    await queryDatabase(
      db.url,
      `INSERT INTO audit_log (seq, id, ts, event, actor_type, actor_id, actor_email, actor_name, project_slug, environment_slug, resource, outcome, request_id, details)
       SELECT g, 'id-' || g, '2026-01-01'::timestamptz + g * interval '1 second', (ARRAY['SecretRead','SecretUpdated','UserLogin'])[1 + g % 3], 'User',
              'u-' || (g % 50), 'user' || (g % 50) || '@example.com', 'User ' || (g % 50), 'p' || (g % 20), (ARRAY['prod','dev'])[1 + g % 2],
              'K' || (g % 100), (ARRAY['Success','Denied'])[1 + (g % 7 = 0)::int], 'req-' || g, '{}'::jsonb
       FROM generate_series(1, 60000) g`,
    );
    await queryDatabase(db.url, 'ANALYZE audit_log');
    const filters = [
      "project_slug = 'p3' AND environment_slug = 'prod'",
      "lower(actor_email) = lower('USER7@example.com')",
      "event = 'UserLogin' AND seq < 50000",
      "request_id = 'req-777'",
      "resource = 'K42'",
      "actor_id = 'u-9'",
    ];
    for (const where of filters) {
      const plan = await queryDatabase<{ 'QUERY PLAN': string }>(db.url, `EXPLAIN SELECT * FROM audit_log WHERE ${where} ORDER BY seq DESC LIMIT 51`);
      const text = plan.map((r) => r['QUERY PLAN']).join('\n');
      // Empty partitions are scanned for free; the populated month must be read through an index.
      expect(text, where).not.toMatch(/Seq Scan on audit_log_p202601/);
      expect(text, where).toMatch(/Index Scan/);
    }
  });

  it('migration 13 leaves exactly the intended indexes on both logs', async () => {
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
