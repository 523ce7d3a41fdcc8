import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { createServer } from '../src/server.js';
import type { Store } from '../src/store/ports.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Unit } from '../src/store/types.js';

/**
 * The unaudited baseline of the read rounds (bench/read-rounds.ts): the real server over the real
 * SQLite store (synchronous=FULL), except that every unit reaches the store with no log rows. What the
 * request does (authenticate, authorise, decrypt, build both drafts) is unchanged; what is missing is
 * exactly the rows and their commit. The switch lives only in this bench entry point (it wraps the
 * store handed to createServer): no configuration, environment variable or option of the product can
 * turn logging off.
 */
const noRows = (u: Unit): Unit => ({ work: u.work, audit: [], access: [], receipt: u.receipt });

const config = loadConfig(process.env);
mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
const real = createSqliteStore({ file: join(config.dataDir, 'bella.db'), synchronous: 'FULL' });
const store: Store = Object.assign(Object.create(null) as Store, real, {
  commitBatch: (units: readonly Unit[]) => real.commitBatch(units.map(noRows)),
});
const server = await createServer(config, { store });
await server.app.listen({ port: config.port, host: config.host });
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
