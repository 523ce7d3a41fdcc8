import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { SQLITE_TS_EPOCH_MS } from '../histogram-sql.js';
import type { Store } from '../ports.js';
import { SerialLock } from '../serial-lock.js';
import { entityPorts, storeTx } from '../sql/compose.js';
import type { SqlDialect } from '../sql/db.js';
import { auditTreePort } from '../sql/audit-tree.js';
import { accessLogPort, auditLogPort } from '../sql/logs.js';
import { runBatch } from '../batch-runner.js';
import { fileIdentity } from './file-identity.js';
import { purgeSqliteLog } from './purge.js';
import { SQLITE_MIGRATIONS } from './schema.js';
import { sqliteBatch } from './sqlite-batch.js';
import { sqliteDb } from './sqlite-db.js';

export const SQLITE_DIALECT: SqlDialect = {
  ph: () => '?',
  ci: (col, p) => `${col} = ${p} COLLATE NOCASE`,
  guidePlanner: true,
  prefix: (col, p, n) => `substr(${col}, 1, ${Math.trunc(n)}) = ${p}`,
  prefixParam: (text) => text,
  forUpdate: '',
  byteOrder: (col) => col,
  tsEpochMs: SQLITE_TS_EPOCH_MS,
};

export interface SqliteStoreOptions {
  /** Path of the database file */
  readonly file: string;
  /** FULL (default): every commit is fsynced. NORMAL: for benchmarks that show what fsync costs. */
  readonly synchronous?: 'FULL' | 'NORMAL' | 'OFF';
}

/**
 * The embedded default. Two connections to one WAL file: the writer is used only by the unit of
 * work and purges (serialised by a lock), the reader serves every query and so only ever sees
 * committed rows.
 */
export function createSqliteStore(opts: SqliteStoreOptions): Store {
  // Owner-only: the file holds wrapped keys, ciphertexts and the logs. SQLite creates the WAL and
  // shared-memory files with the database file's permissions, so they are 0600 too.
  closeSync(openSync(opts.file, 'a', 0o600));
  chmodSync(opts.file, 0o600);
  const writer = new Database(opts.file);
  writer.pragma('journal_mode = WAL');
  writer.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  writer.pragma('foreign_keys = ON');
  writer.pragma('busy_timeout = 5000');
  // Savepoint journals and sort spills stay in memory instead of temp files.
  writer.pragma('temp_store = MEMORY');
  let reader: Database.Database | null = null;
  let batch: ReturnType<typeof sqliteBatch> | null = null;
  const lock = new SerialLock();
  const identity = fileIdentity(opts.file);
  const read = sqliteDb(() => {
    if (!reader) throw new Error('store not migrated');
    return reader;
  });
  const d = SQLITE_DIALECT;
  const purge = (table: 'audit_log' | 'access_log') => purgeSqliteLog(writer, lock, table, identity.check);
  // AUTOINCREMENT's counter: the highest seq ever inserted, kept when rows are purged.
  const highWater = async (log: 'audit' | 'access') =>
    Number((await read.one('SELECT seq FROM sqlite_sequence WHERE name = ?', [`${log}_log`]))?.seq ?? 0);

  return {
    kind: 'sqlite',
    async migrate() {
      const version = writer.pragma('user_version', { simple: true }) as number;
      for (let i = version; i < SQLITE_MIGRATIONS.length; i++) {
        writer.transaction(() => {
          writer.exec(SQLITE_MIGRATIONS[i] as string);
          writer.pragma(`user_version = ${i + 1}`);
        })();
      }
      reader ??= new Database(opts.file, { readonly: true });
      reader.pragma('busy_timeout = 5000');
      batch ??= sqliteBatch(writer, storeTx(sqliteDb(() => writer), d));
      identity.pin();
    },
    async ensurePartitions() {
      // One table per log, nothing to create ahead of time.
    },
    async close() {
      await lock.run(async () => {
        reader?.close();
        writer.close();
      });
    },
    commitBatch(units) {
      return lock.run(() => {
        if (!batch) throw new Error('store not migrated');
        identity.check();
        return runBatch(batch, units);
      });
    },
    probeWritable() {
      return lock.run(async () => {
        identity.check();
        writer.exec('BEGIN IMMEDIATE');
        writer.exec('ROLLBACK');
      });
    },
    async backup(file) {
      if (!reader) throw new Error('store not migrated');
      // Copied from the reader: a committed snapshot, page by page, while commits go on.
      identity.check();
      await reader.backup(file);
      chmodSync(file, 0o600);
    },
    ...entityPorts(read, d),
    auditLog: auditLogPort(read, d, purge('audit_log'), highWater),
    accessLog: accessLogPort(read, d, purge('access_log'), highWater),
    auditTree: auditTreePort(read),
  };
}
