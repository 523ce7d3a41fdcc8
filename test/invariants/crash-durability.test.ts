import { afterAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { processStore, testStores, type ProcessStore } from '../helpers/stores.js';
import { allEntries, expectGapFree } from './log-pages.js';

/**
 * Invariants 3 and 6 across a crash: a response leaves only after its rows are durable, so every
 * request that got a 200 before SIGKILL has its SecretRead row and its access row after a restart.
 */
for (const kind of await testStores()) {
  describe(`crash durability (${kind})`, () => {
    const procs: ServerProcess[] = [];
    let dataDir = '';
    let store: ProcessStore | undefined;
    afterAll(async () => {
      for (const p of procs) await p.kill();
      if (dataDir) removeDataDir(dataDir);
      await store?.drop();
    });

    it('after SIGKILL under 20 concurrent readers, every request that got a 200 has its SecretRead row and its access row', async () => {
      // On PostgreSQL the restart reopens the same database (and the same data dir, for the master key).
      store = await processStore(kind);
      const { env } = store;
      const srv = await startServerProcess({ env });
      procs.push(srv);
      dataDir = srv.dataDir;
      const token = await srv.login();
      const base = '/api/v1/projects/crash/environments/prod';
      expect((await srv.request('POST', '/api/v1/projects', { token, body: { slug: 'crash', name: 'Crash' } })).status).toBe(201);
      expect((await srv.request('POST', '/api/v1/projects/crash/environments', { token, body: { slug: 'prod', name: 'Prod' } })).status).toBe(201);
      expect((await srv.request('PUT', `${base}/secrets/K`, { token, body: { value: 'crash-value' } })).status).toBe(200);

      const ok = new Set<string>();
      let otherStatuses = 0;
      let stop = false;
      const loop = async (n: number) => {
        for (let i = 0; !stop; i++) {
          const id = `crash-${n}-${i}`;
          try {
            const r = await srv.request('GET', `${base}/secrets/K`, { token, headers: { 'x-request-id': id } });
            // Count a 200 only once its whole body (the value) arrived: the client really got the secret.
            if (r.status === 200 && r.json().value === 'crash-value') ok.add(id);
            else otherStatuses++;
          } catch {
            return; // the server is gone
          }
        }
      };
      const loops = Array.from({ length: 20 }, (_, n) => loop(n));
      const started = Date.now();
      while ((ok.size < 300 || Date.now() - started < 500) && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 20));
      const exit = await srv.kill();
      stop = true;
      await Promise.all(loops);
      expect(exit.signal).toBe('SIGKILL');
      process.stderr.write(`crash test (${kind}): ${ok.size} reads answered 200 in ${Date.now() - started} ms before SIGKILL\n`);
      expect(ok.size).toBeGreaterThan(100);
      expect(otherStatuses).toBe(0);

      const again = await startServerProcess({ dataDir, env });
      procs.push(again);
      const t2 = await again.login();
      const reads = await allEntries(again, t2, '/api/v1/audit-logs?event=SecretRead');
      const access = await allEntries(again, t2, '/api/v1/access-logs');
      const readIds = new Set(reads.map((e) => e.requestId));
      const accessOk = new Set(access.filter((e) => e.status === 200).map((e) => e.requestId));
      const missingRead = [...ok].filter((id) => !readIds.has(id));
      const missingAccess = [...ok].filter((id) => !accessOk.has(id));
      expect({ missingRead: missingRead.slice(0, 10), missingAccess: missingAccess.slice(0, 10) }).toEqual({ missingRead: [], missingAccess: [] });

      // The crash left no hole in either sequence.
      expectGapFree(await allEntries(again, t2, '/api/v1/audit-logs'));
      expectGapFree(access);
    });
  });
}
