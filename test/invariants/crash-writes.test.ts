import { afterAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { processStore, testStores, type ProcessStore } from '../helpers/stores.js';
import { allEntries, expectGapFree } from './log-pages.js';

/**
 * Invariant 3 for writes across a crash: a write acknowledged with 200 is durable, and so are its
 * audit row (with the version it created) and its access row. A write that never got its answer may
 * or may not have happened, but if it happened it is audited: no version exists without its entry.
 */
for (const kind of await testStores()) {
  describe(`crash durability of writes (${kind})`, () => {
    const procs: ServerProcess[] = [];
    let dataDir = '';
    let store: ProcessStore | undefined;
    afterAll(async () => {
      for (const p of procs) await p.kill();
      if (dataDir) removeDataDir(dataDir);
      await store?.drop();
    });

    it('after SIGKILL under concurrent writers, every acknowledged write is stored and audited, and no stored version lacks its entry', async () => {
      // On PostgreSQL the restart reopens the same database (and the same data dir, for the master key).
      store = await processStore(kind);
      const { env } = store;
      const srv = await startServerProcess({ env });
      procs.push(srv);
      dataDir = srv.dataDir;
      const token = await srv.login();
      const base = '/api/v1/projects/cw/environments/prod';
      expect((await srv.request('POST', '/api/v1/projects', { token, body: { slug: 'cw', name: 'CW' } })).status).toBe(201);
      expect((await srv.request('POST', '/api/v1/projects/cw/environments', { token, body: { slug: 'prod', name: 'Prod' } })).status).toBe(201);

      const WRITERS = 10;
      /** Per key: the highest version a 200 acknowledged, and the request ids of acknowledged writes */
      const acked = Array.from({ length: WRITERS }, () => ({ version: 0, ids: [] as string[] }));
      let stop = false;
      const loop = async (n: number) => {
        for (let i = 0; !stop; i++) {
          const id = `cw-${n}-${i}`;
          try {
            const r = await srv.request('PUT', `${base}/secrets/KEY_${n}`, { token, body: { value: `value-${n}-${i}` }, headers: { 'x-request-id': id } });
            if (r.status !== 200) throw new Error(`unexpected ${r.status}`);
            const a = acked[n] as { version: number; ids: string[] };
            a.version = Math.max(a.version, r.json().version);
            a.ids.push(id);
          } catch {
            return; // the server is gone
          }
        }
      };
      const loops = Array.from({ length: WRITERS }, (_, n) => loop(n));
      const started = Date.now();
      const total = () => acked.reduce((s, a) => s + a.ids.length, 0);
      while ((total() < 150 || Date.now() - started < 500) && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 20));
      expect((await srv.kill()).signal).toBe('SIGKILL');
      stop = true;
      await Promise.all(loops);
      expect(total()).toBeGreaterThan(50);

      const again = await startServerProcess({ dataDir, env });
      procs.push(again);
      const t2 = await again.login();
      const audit = await allEntries(again, t2, '/api/v1/audit-logs?project=cw');
      const access = await allEntries(again, t2, '/api/v1/access-logs');
      const writes = audit.filter((e) => e.event === 'SecretCreated' || e.event === 'SecretUpdated');
      const auditIds = new Set(writes.map((e) => e.requestId));
      const accessOk = new Set(access.filter((e) => e.status === 200).map((e) => e.requestId));
      for (let n = 0; n < WRITERS; n++) {
        const a = acked[n] as { version: number; ids: string[] };
        expect(a.ids.filter((id) => !auditIds.has(id)), `KEY_${n}: acknowledged writes without an audit row`).toEqual([]);
        expect(a.ids.filter((id) => !accessOk.has(id)), `KEY_${n}: acknowledged writes without an access row`).toEqual([]);
        const stored = (await again.request('GET', `${base}/secrets/KEY_${n}`, { token: t2 })).json<{ version?: number }>().version ?? 0;
        expect(stored).toBeGreaterThanOrEqual(a.version);
        // Every version that exists has exactly one audit entry recording it.
        const versions = writes.filter((e) => e.resource === `KEY_${n}`).map((e) => Number(e.details?.version)).sort((x, y) => x - y);
        expect(versions).toEqual(Array.from({ length: stored }, (_, i) => i + 1));
      }
      expectGapFree(await allEntries(again, t2, '/api/v1/audit-logs'));
      expectGapFree(access);
    });
  });
}
