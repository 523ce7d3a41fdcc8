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
/**
 * A limit, not a timing assertion: 600 requests through 2-3 server processes take 17-30 s on a
 * 2-core machine shared with other work (load average 10), which vitest's 30 s default cut off.
 */
const LOAD_TIMEOUT_MS = 120_000;

/** The compiled server must include the PostgreSQL adapter (build with npx tsc -p tsconfig.build.json). */
function assertBuilt(): void {
  const f = join(REPO_ROOT, 'dist/src/store/postgres/postgres-store.js');
  if (!existsSync(f) || !readFileSync(f, 'utf8').includes('createPostgresWriter')) {
    throw new Error('dist/ has no PostgreSQL adapter: build the server first (npx tsc -p tsconfig.build.json)');
  }
}

/**
 * Follows a log by seq as a stream consumer does: asks for rows after the last seq it saw and moves
 * its cursor to the highest it got. A row that became visible after a higher seq would be skipped
 * for ever; the set it collected then misses that seq.
 */
function followBySeq(url: string, table: 'audit_log' | 'access_log') {
  const c = new pg.Client({ connectionString: url });
  const seen: number[] = [];
  let last = 0;
  let polls = 0;
  let running = true;
  const poll = async () => {
    const r = await c.query<{ seq: number }>(`SELECT seq::int AS seq FROM ${table} WHERE seq > $1 ORDER BY seq LIMIT 1000`, [last]);
    polls++;
    for (const x of r.rows) seen.push(x.seq);
    if (r.rows.length > 0) last = (r.rows[r.rows.length - 1] as { seq: number }).seq;
    return r.rows.length;
  };
  const done = (async () => {
    await c.connect();
    while (running) await poll();
  })();
  return {
    /** Stops, catches up to the end once more (as a consumer would later), and returns what it saw. */
    async stop(): Promise<{ seen: number[]; polls: number }> {
      running = false;
      await done;
      while ((await poll()) > 0);
      await c.end();
      return { seen, polls };
    },
  };
}

/**
 * Concurrent audited reads and secret writes spread over the nodes, with a count==max watcher and a
 * follower per log running during the load; then every acknowledged request's rows exactly once,
 * seq 1..N without a gap, and each follower saw every seq (it never skipped one that committed late).
 */
async function loadAndCheck(db: TestDatabase, nodes: readonly ServerProcess[], prefix: string, requests: number): Promise<void> {
  const tokens = await Promise.all(nodes.map((n) => n.login()));
  const first = nodes[0] as ServerProcess;
  expect((await first.request('POST', '/api/v1/projects', { token: tokens[0], body: { slug: prefix, name: prefix.toUpperCase() } })).status).toBe(201);
  expect((await (nodes[1] as ServerProcess).request('POST', `/api/v1/projects/${prefix}/environments`, { token: tokens[1], body: { slug: 'prod', name: 'Prod' } })).status).toBe(201);
  const url = (k: number) => `/api/v1/projects/${prefix}/environments/prod/secrets/K${k}`;
  for (let k = 0; k < 4; k++) expect((await first.request('PUT', url(k), { token: tokens[0], body: { value: `v-${k}` } })).status).toBe(200);

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
  const followers = [followBySeq(db.url, 'audit_log'), followBySeq(db.url, 'access_log')];

  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const node = i % nodes.length;
      const srv = nodes[node] as ServerProcess;
      const write = i % 3 === 0;
      const headers = { 'x-request-id': `${prefix}-${i}` };
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
  const followed = await Promise.all(followers.map((f) => f.stop()));

  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  expect(holes).toEqual([]);
  expect(snapshots).toBeGreaterThan(5);
  for (const [k, table] of (['audit_log', 'access_log'] as const).entries()) {
    const seqs = (await queryDatabase<{ seq: number }>(db.url, `SELECT seq::int AS seq FROM ${table} ORDER BY seq`)).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const f = followed[k] as { seen: number[]; polls: number };
    expect(f.polls).toBeGreaterThan(5);
    expect(f.seen, `${table}: the follower by seq`).toEqual(seqs);
  }
  const counts = async (table: string) =>
    new Map(
      (await queryDatabase<{ id: string; n: number }>(db.url, `SELECT request_id AS id, count(*)::int AS n FROM ${table} WHERE request_id LIKE $1 GROUP BY request_id`, [`${prefix}-%`])).map(
        (r) => [r.id, r.n],
      ),
    );
  const sent = Array.from({ length: requests }, (_, i) => `${prefix}-${i}`);
  for (const table of ['access_log', 'audit_log']) {
    const c = await counts(table);
    expect(c.size, table).toBe(requests);
    expect(sent.filter((id) => c.get(id) !== 1), table).toEqual([]);
  }
  // Each secret's versions count up without a gap although the nodes wrote them concurrently.
  const versions = await queryDatabase<{ key: string; n: number; max: number }>(
    db.url,
    'SELECT s.key, count(*)::int AS n, max(v.version)::int AS max FROM secret_versions v JOIN secrets s ON s.id = v.secret_id GROUP BY s.key',
  );
  for (const v of versions) expect(v.n).toBe(v.max);
}

/**
 * Registers, in the enclosing describe, `n` server processes on one fresh database (the first
 * bootstraps the admin; the others find it) and their teardown.
 */
function clusterOf(n: number): { db: () => TestDatabase; nodes: ServerProcess[] } {
  let db: TestDatabase | undefined;
  const nodes: ServerProcess[] = [];
  beforeAll(async () => {
    assertBuilt();
    db = await createTestDatabase();
    const env = { BELLA_DATABASE_URL: db.url, BELLA_MASTER_KEY: randomBytes(32).toString('hex'), BELLA_LOG_LEVEL: 'warn' };
    for (let i = 0; i < n; i++) nodes.push(await startServerProcess({ env }));
  });
  afterAll(async () => {
    for (const node of nodes) {
      await node.stop();
      removeDataDir(node.dataDir);
    }
    await db?.drop();
  });
  return { db: () => db as TestDatabase, nodes };
}

describe.skipIf(!PG)('three server processes on one PostgreSQL', () => {
  const { db, nodes } = clusterOf(3);

  it('under concurrent reads and writes on three nodes, every request once, seq 1..N in commit order, and followers by seq skip nothing', async () => {
    await loadAndCheck(db(), nodes, 'three', REQUESTS);
  }, LOAD_TIMEOUT_MS);
});

describe.skipIf(!PG)('two server processes on one PostgreSQL', () => {
  const { db, nodes } = clusterOf(2);

  it('under concurrent reads and writes on both nodes, one log holds every request exactly once, seq is gap-free in commit order, and followers by seq skip nothing', async () => {
    await loadAndCheck(db(), nodes, 'mn', REQUESTS);
  }, LOAD_TIMEOUT_MS);

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
    const [tree] = await queryDatabase<{ size: number; first: number }>(db().url, 'SELECT size::int AS size, first_seq::int AS first FROM audit_tree');
    const [last] = await queryDatabase<{ n: number }>(db().url, "SELECT last::int AS n FROM log_seq WHERE log = 'audit'");
    expect((tree?.first ?? 0) + (tree?.size ?? 0) - 1).toBe(last?.n);
    const c = await ca.get<{ consistencyProof: string[] }>('/api/v1/audit-log/consistency', { from: first.size, to: second.size });
    const b64 = (x: string) => Buffer.from(x, 'base64');
    expect(verifyConsistency(first.size, second.size, c.consistencyProof.map(b64), b64(first.root), b64(second.root))).toBe(true);
    const report = await verifyLive(cb, { key: parseVerifierKey(first.publicKey), checkpointNote: second.note });
    expect(report.problems).toEqual([]);
    expect(report.verified).toBe(second.size);
  });
});
