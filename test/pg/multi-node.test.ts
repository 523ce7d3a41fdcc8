import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Query } from '../../src/cli/api-client.js';
import { verifyLive } from '../../src/cli/audit-verify.js';
import type { CheckpointView } from '../../src/contract/integrity.js';
import { verifyConsistency } from '../../src/integrity/merkle.js';
import { parseVerifierKey } from '../../src/integrity/note.js';
import { REPO_ROOT, removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { createTestDatabase, postgresAvailable, queryDatabase, type TestDatabase } from '../helpers/pg.js';

const PG = await postgresAvailable();
const REQUESTS = 600;
const IN_FLIGHT = 24;

/** The compiled server must include the PostgreSQL adapter (build with npx tsc -p tsconfig.build.json). */
function assertBuilt(): void {
  const f = join(REPO_ROOT, 'dist/src/store/postgres/postgres-store.js');
  if (!existsSync(f) || !readFileSync(f, 'utf8').includes('createPostgresWriter')) {
    throw new Error('dist/ has no PostgreSQL adapter: build the server first (npx tsc -p tsconfig.build.json)');
  }
}

describe.skipIf(!PG)('two server processes on one PostgreSQL', () => {
  let db: TestDatabase;
  const nodes: ServerProcess[] = [];

  beforeAll(async () => {
    assertBuilt();
    db = await createTestDatabase();
    const env = { BELLA_DATABASE_URL: db.url, BELLA_MASTER_KEY: randomBytes(32).toString('hex'), BELLA_LOG_LEVEL: 'warn' };
    // The first node bootstraps the admin; the second finds it (see the report on concurrent bootstrap).
    nodes.push(await startServerProcess({ env }));
    nodes.push(await startServerProcess({ env }));
  });
  afterAll(async () => {
    for (const n of nodes) {
      await n.stop();
      removeDataDir(n.dataDir);
    }
    await db?.drop();
  });

  it('under concurrent reads and writes on both nodes, one log holds every request exactly once and seq is gap-free in commit order', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const tokens = [await a.login(), await b.login()];
    expect((await a.request('POST', '/api/v1/projects', { token: tokens[0], body: { slug: 'mn', name: 'MN' } })).status).toBe(201);
    expect((await b.request('POST', '/api/v1/projects/mn/environments', { token: tokens[1], body: { slug: 'prod', name: 'Prod' } })).status).toBe(201);
    const url = (k: number) => `/api/v1/projects/mn/environments/prod/secrets/K${k}`;
    for (let k = 0; k < 4; k++) expect((await a.request('PUT', url(k), { token: tokens[0], body: { value: `v-${k}` } })).status).toBe(200);

    // A reader watching while the load runs: if seq order were not commit order, some snapshot would
    // show a hole (a higher seq committed before a lower one), i.e. count(*) < max(seq).
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    let watching = true;
    const holes: string[] = [];
    let snapshots = 0;
    const watch = (async () => {
      while (watching) {
        const r = await watcher.query<{ t: string; n: number; max: number | null }>(
          `SELECT 'audit' AS t, count(*)::int AS n, max(seq)::int AS max FROM audit_log
           UNION ALL SELECT 'access', count(*)::int, max(seq)::int FROM access_log`,
        );
        snapshots++;
        for (const x of r.rows) if (x.n !== (x.max ?? 0)) holes.push(`${x.t}: ${x.n} rows, max seq ${x.max}`);
      }
    })();

    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        const i = next++;
        const node = i % 2;
        const srv = nodes[node] as ServerProcess;
        const write = i % 3 === 0;
        const headers = { 'x-request-id': `mn-${i}` };
        const r = write
          ? await srv.request('PUT', url(i % 4), { token: tokens[node], body: { value: `w-${i}` }, headers })
          : await srv.request('GET', url(i % 4), { token: tokens[node], headers });
        statuses.push(r.status);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    watching = false;
    await watch;
    await watcher.end();

    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(holes).toEqual([]);
    expect(snapshots).toBeGreaterThan(5);
    for (const table of ['audit_log', 'access_log']) {
      const seqs = (await queryDatabase<{ seq: number }>(db.url, `SELECT seq::int AS seq FROM ${table} ORDER BY seq`)).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }
    const counts = async (table: string) =>
      new Map(
        (await queryDatabase<{ id: string; n: number }>(db.url, `SELECT request_id AS id, count(*)::int AS n FROM ${table} WHERE request_id LIKE 'mn-%' GROUP BY request_id`)).map(
          (r) => [r.id, r.n],
        ),
      );
    const sent = Array.from({ length: REQUESTS }, (_, i) => `mn-${i}`);
    for (const table of ['access_log', 'audit_log']) {
      const c = await counts(table);
      expect(c.size, table).toBe(REQUESTS);
      expect(sent.filter((id) => c.get(id) !== 1), table).toEqual([]);
    }
    // Each secret's versions count up without a gap although both nodes wrote them concurrently.
    const versions = await queryDatabase<{ key: string; n: number; max: number }>(
      db.url,
      'SELECT s.key, count(*)::int AS n, max(v.version)::int AS max FROM secret_versions v JOIN secrets s ON s.id = v.secret_id GROUP BY s.key',
    );
    for (const v of versions) expect(v.n).toBe(v.max);
  });

  it('the Merkle tree holds every entry of both nodes in seq order, and each node signs checkpoints consistent with the other\'s', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const tokens = [await a.login(), await b.login()];
    const client = (srv: ServerProcess, token: string) => ({
      async get<T>(path: string, query: Query = {}): Promise<T> {
        const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v)])).toString();
        const r = await srv.request('GET', qs ? `${path}?${qs}` : path, { token });
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
        return r.json<T>();
      },
    });
    const ca = client(a, tokens[0] as string);
    const cb = client(b, tokens[1] as string);
    // More concurrent writes from both nodes, then a checkpoint from each.
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a).request('PUT', `/api/v1/projects/mn/environments/prod/secrets/T${i % 5}`, { token: tokens[i % 2], body: { value: `t-${i}` } })));
    const first = await ca.get<CheckpointView>('/api/v1/audit-log/checkpoint', { fresh: 'true' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).request('PUT', `/api/v1/projects/mn/environments/prod/secrets/U${i % 3}`, { token: tokens[(i + 1) % 2], body: { value: `u-${i}` } })));
    const second = await cb.get<CheckpointView>('/api/v1/audit-log/checkpoint', { fresh: 'true' });
    expect(second.size).toBeGreaterThan(first.size);
    const [tree] = await queryDatabase<{ size: number; first: number }>(db.url, 'SELECT size::int AS size, first_seq::int AS first FROM audit_tree');
    const [last] = await queryDatabase<{ n: number }>(db.url, "SELECT last::int AS n FROM log_seq WHERE log = 'audit'");
    expect((tree?.first ?? 0) + (tree?.size ?? 0) - 1).toBe(last?.n);
    const c = await ca.get<{ consistencyProof: string[] }>('/api/v1/audit-log/consistency', { from: first.size, to: second.size });
    const b64 = (x: string) => Buffer.from(x, 'base64');
    expect(verifyConsistency(first.size, second.size, c.consistencyProof.map(b64), b64(first.root), b64(second.root))).toBe(true);
    const report = await verifyLive(cb, { key: parseVerifierKey(first.publicKey), checkpointNote: second.note });
    expect(report.problems).toEqual([]);
    expect(report.verified).toBe(second.size);
  });
});
