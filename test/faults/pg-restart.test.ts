import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, removeDataDir, startServerProcess, type HttpResult, type ServerProcess } from '../helpers/process.js';
import { createPgCluster, pgClusterProblem, type PgCluster } from '../helpers/pg-cluster.js';
import { auditedReadIds, SECRET_URL, seedSecret, until } from './fixture.js';

/**
 * PostgreSQL restarted, then stopped for 30 s, under a steady load of audited reads: every 200 has
 * its audit row after recovery, requests during the outage get 503 without values, /readyz follows,
 * and the node recovers by itself without a restart. A private PostgreSQL (its own data dir and port)
 * is restarted, never the machine's shared server.
 */
const VALUE = 'pg-restart-marker-6a42';
const OUTAGE_MS = 30_000;
const problem = pgClusterProblem();
if (process.env.CI && problem) throw new Error(`CI must run the PostgreSQL restart test: ${problem}`);
if (problem) console.warn(`skipping the PostgreSQL restart test: ${problem}`);

describe.skipIf(problem !== null)('PostgreSQL restarted and stopped for 30 s under load', () => {
  let cluster: PgCluster;
  let srv: ServerProcess;
  let token: string;
  beforeAll(async () => {
    cluster = createPgCluster(await freePort());
    srv = await startServerProcess({ env: { BELLA_DATABASE_URL: cluster.url } });
    token = await seedSecret(srv, VALUE);
  }, 120_000);
  afterAll(async () => {
    await srv?.kill();
    if (srv) removeDataDir(srv.dataDir);
    cluster?.destroy();
  });

  it('503 without values while the database is away, /readyz 503 then 200, every 200 audited, no restart of the node', async () => {
    const results: HttpResult[] = [];
    const readyDuring: number[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        try {
          results.push(await srv.request('GET', SECRET_URL, { token }));
        } catch {
          // a refused connection would be the node dying: counted below by the node's own answers
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    await new Promise((r) => setTimeout(r, 1000));

    cluster.restart();
    await until(() => srv.request('GET', '/readyz'), (r) => r.status === 200, 30_000);

    cluster.stop();
    const stoppedAt = Date.now();
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      readyDuring.push((await srv.request('GET', '/readyz')).status);
      await new Promise((r) => setTimeout(r, 1000));
    }
    cluster.start();
    const back = await until(() => srv.request('GET', '/readyz'), (r) => r.status === 200, 60_000);
    expect(back.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await load;

    // /readyz said 503 for the whole outage (after the first probe noticed it).
    expect(readyDuring.slice(1).every((s) => s === 503), `readyz during the outage: ${readyDuring.join(',')}`).toBe(true);
    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s === 200 || s === 503), JSON.stringify([...statuses])).toBe(true);
    for (const r of results) if (r.status !== 200) expect(r.text).not.toContain(VALUE);
    const last = results.slice(-5);
    expect(last.every((r) => r.status === 200)).toBe(true);

    const audited = await auditedReadIds(srv, token);
    const missing = results.filter((r) => r.status === 200 && !audited.has(r.headers.get('x-request-id') as string));
    expect(missing.length, 'reads answered 200 without their audit row').toBe(0);
    expect(srv.child.exitCode).toBeNull();
  }, 180_000);
});
