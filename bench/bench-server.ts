import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { createServer } from '../src/server.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';

/**
 * A bench-only server entry: the real createServer with a SQLite store whose `synchronous` pragma
 * is chosen by BENCH_SYNCHRONOUS (FULL = what bella-server runs; NORMAL = durability relaxed), and an
 * IPC hook that runs a retention purge in-process (`{ purge: { olderThan, batchSize } }`), the way
 * a retention job inside the server would, for benchmark 5.
 */
export async function startBenchServer(synchronous: 'FULL' | 'NORMAL'): Promise<void> {
  const config = loadConfig(process.env);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = createSqliteStore({ file: join(config.dataDir, 'bella.db'), synchronous });
  const server = await createServer(config, { store });
  await server.app.listen({ port: config.port, host: config.host });
  process.on('message', (m: { purge?: { olderThan: string; batchSize: number } }) => {
    if (!m.purge) return;
    // What the retention job (src/audit/retention.ts purge()) does for the Audit Log, with a
    // cut-off chosen by the benchmark instead of the retention window.
    const t0 = performance.now();
    store.auditLog.purge(m.purge.olderThan, m.purge.batchSize).then(
      (deleted) => process.send?.({ purged: deleted, ms: performance.now() - t0 }),
      (e: unknown) => process.send?.({ error: String(e) }),
    );
  });
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

if (process.argv[1]?.endsWith('bench-server.js')) {
  await startBenchServer(process.env.BENCH_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL');
}
