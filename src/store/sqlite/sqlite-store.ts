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
import { createCheckpointer } from './checkpointer.js';
import { WalFlush, type FlushFile } from './wal-flush.js';
import type { SqlDb } from '../sql/db.js';

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
  /**
   * FULL (default): every commit is on disk before its batch resolves (the store flushes the WAL
   * itself, off the event loop: wal-flush.ts). NORMAL: commits are not flushed, for benchmarks that
   * show what the flush costs and disposable setups.
   */
  readonly synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /** How the WAL is flushed (tests replace it to delay or fail a flush); default fdatasync off the event loop */
  readonly flushFile?: FlushFile;
}

/**
 * The read side, held back by the WAL's flush: a result that may include a commit not yet on disk
 * leaves only once that commit is (wal-flush.ts).
 */
function afterFlush(db: SqlDb, flush: WalFlush | null): SqlDb {
  if (!flush) return db;
  const hold = async <T>(result: Promise<T>): Promise<T> => {
    const r = await result;
    const b = flush.barrier();
    if (b) await b;
    return r;
  };
  return {
    one: (sql, params) => hold(db.one(sql, params)),
    all: (sql, params) => hold(db.all(sql, params)),
    run: (sql, params) => hold(db.run(sql, params)),
  };
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
  // FULL is kept by flushing the WAL off the event loop after each COMMIT (wal-flush.ts), so SQLite
  // itself is told not to flush inside COMMIT, and not to checkpoint inside it either (checkpointer.ts).
  const mode = opts.synchronous ?? 'FULL';
  writer.pragma(`synchronous = ${mode === 'FULL' ? 'NORMAL' : mode}`);
  const flush = mode === 'FULL' ? new WalFlush(`${opts.file}-wal`, opts.flushFile) : null;
  writer.pragma('wal_autocheckpoint = 0');
  const checkpointer = createCheckpointer(opts.file, () => void writer.pragma('wal_autocheckpoint = 1000'));
  /** Called after every commit on the writer: the flush this commit must wait for (none when not FULL). */
  const committed = (): Promise<void> => {
    if (checkpointer.committed()) checkpointDue = true;
    return flush ? flush.afterCommit() : Promise.resolve();
  };
  let checkpointDue = false;
  /** Starts a due checkpoint cycle (its short second pass holds the writer's lock: checkpointer.ts). */
  const checkpointIfDue = () => {
    if (!checkpointDue) return;
    checkpointDue = false;
    void checkpointer.cycle((fn) => lock.run(fn));
  };
  let lastCommit: Promise<void> = Promise.resolve();
  writer.pragma('foreign_keys = ON');
  writer.pragma('busy_timeout = 5000');
  // Savepoint journals and sort spills stay in memory instead of temp files.
  writer.pragma('temp_store = MEMORY');
  let reader: Database.Database | null = null;
  let batch: ReturnType<typeof sqliteBatch> | null = null;
  const lock = new SerialLock();
  const identity = fileIdentity(opts.file);
  const unheld = sqliteDb(() => {
    if (!reader) throw new Error('store not migrated');
    return reader;
  });
  const read = afterFlush(unheld, flush);
  const d = SQLITE_DIALECT;
  const check = () => {
    identity.check();
    flush?.check();
  };
  const purge = (table: 'audit_log' | 'access_log') => purgeSqliteLog(writer, lock, table, check, committed);
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
      batch ??= sqliteBatch(writer, storeTx(sqliteDb(() => writer), d), () => {
        lastCommit = committed();
      });
      identity.pin();
      // The WAL exists once the writer has opened the database in WAL mode; the migrations above
      // are flushed with it.
      if (flush) {
        flush.open();
        await flush.afterCommit();
      }
    },
    async ensurePartitions() {
      // One table per log, nothing to create ahead of time.
    },
    async close() {
      await lock.run(async () => {
        await lastCommit.catch(() => undefined);
        await checkpointer.close();
        reader?.close();
        writer.close();
        flush?.close();
      });
    },
    async commitBatch(units) {
      // A checkpoint that the commits are outrunning is waited for first, outside the writer's lock
      // (its second pass takes that lock): the WAL stays bounded (checkpointer.ts, pressure).
      const behind = checkpointer.pressure();
      if (behind) await behind;
      // The writer is free for the next batch as soon as COMMIT returns; this batch resolves once
      // its commit is flushed (the flush runs on libuv's thread pool, not on the event loop).
      const { outcomes, flushed } = await lock.run(async () => {
        if (!batch) throw new Error('store not migrated');
        check();
        const outcomes = await runBatch(batch, units);
        return { outcomes, flushed: lastCommit };
      });
      checkpointIfDue();
      await flushed;
      return outcomes;
    },
    probeWritable() {
      return lock.run(async () => {
        check();
        writer.exec('BEGIN IMMEDIATE');
        writer.exec('ROLLBACK');
      });
    },
    async backup(file) {
      if (!reader) throw new Error('store not migrated');
      // Copied from the reader: a committed snapshot, page by page, while commits go on.
      check();
      await reader.backup(file);
      // The copy may hold commits whose flush is still running: it is complete only once they are on disk.
      await flush?.barrier();
      chmodSync(file, 0o600);
    },
    ...entityPorts(read, d),
    // The read cache's fence (read-cache.ts) is not held back by the flush: its value never leaves
    // the process, it only decides whether the cache is emptied, and whatever is read after that
    // goes through the held read side. So a request does not wait for another batch's flush
    // before its own work starts.
    cacheVersion: async () => {
      flush?.check();
      return Number((await unheld.one('SELECT v FROM cache_version WHERE id = 1'))?.v ?? 0);
    },
    auditLog: auditLogPort(read, d, purge('audit_log'), highWater),
    accessLog: accessLogPort(read, d, purge('access_log'), highWater),
    auditTree: auditTreePort(read),
  };
}
