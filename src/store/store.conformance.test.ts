import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, postgresAvailable } from '../../test/helpers/pg.js';
import { createPostgresStore } from './postgres/postgres-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import { runStoreConformance } from './store.conformance.js';

// Every adapter runs the same suite; each test gets an empty database of its own.
runStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bella-conf-'));
  return {
    open: () => createSqliteStore({ file: join(dir, 'bella.db') }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

if (await postgresAvailable()) {
  runStoreConformance('postgres', async () => {
    const db = await createTestDatabase();
    return { open: () => createPostgresStore({ url: db.url, poolSize: 4 }), cleanup: () => db.drop() };
  });
}
