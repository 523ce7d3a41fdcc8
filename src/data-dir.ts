import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written next to bella.db once its schema exists: this data dir has held a database. */
export const INIT_MARKER = 'bella.initialized';

/** A data dir that held a database no longer has it: starting would silently begin an empty one. */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

/**
 * Before the embedded store opens: a data dir that was initialised (its marker, or a master key
 * file that only a first start writes) but has no bella.db lost its database. Refuse to start,
 * unless the operator said to initialise anew (BELLA_INITIALIZE=true).
 */
export function checkDataDir(dataDir: string, opts: { readonly initialize: boolean }): void {
  const db = join(dataDir, 'bella.db');
  if (existsSync(db) || opts.initialize) return;
  const evidence = [INIT_MARKER, 'master.key'].filter((f) => existsSync(join(dataDir, f)));
  if (evidence.length === 0) return;
  throw new DataDirError(
    `the data dir ${dataDir} was initialised before (it holds ${evidence.join(' and ')}) but its database ${db} is missing. ` +
      'Refusing to start over on an empty database, which would lose every secret and log entry. ' +
      'Restore bella.db from a backup (docs/operations.md, "Backup and restore"), or, to really start anew with an empty database, ' +
      'start once with BELLA_INITIALIZE=true (for example: BELLA_INITIALIZE=true npm start).',
  );
}

/** Records that the data dir now holds an initialised database (idempotent). */
export function markInitialized(dataDir: string, now: Date): void {
  const file = join(dataDir, INIT_MARKER);
  if (existsSync(file)) return;
  writeFileSync(file, `${JSON.stringify({ initializedAt: now.toISOString() })}\n`, { mode: 0o600 });
}
