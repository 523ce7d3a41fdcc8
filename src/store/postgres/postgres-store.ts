import { likeEscape } from '../log-sql.js';
import pg from 'pg';
import { DomainError } from '../../kernel/errors.js';
import { POSTGRES_TS_EPOCH_MS } from '../histogram-sql.js';
import type { Store } from '../ports.js';
import { entityPorts } from '../sql/compose.js';
import type { SqlDialect } from '../sql/db.js';
import { auditTreePort } from '../sql/audit-tree.js';
import { accessLogPort, auditLogPort } from '../sql/logs.js';
import { postgresDb } from './postgres-db.js';
import { ensurePartitions, purgeLog } from './partitions.js';
import { createPostgresWriter } from './postgres-batch.js';
import { runMigrations } from './schema.js';

export const POSTGRES_DIALECT: SqlDialect = {
  ph: (i) => `$${i}`,
  ci: (col, p) => `lower(${col}) = lower(${p})`,
  guidePlanner: false,
  prefix: (col, p) => `${col} LIKE ${p} ESCAPE '\\'`,
  prefixParam: (text) => `${likeEscape(text)}%`,
  forUpdate: ' FOR UPDATE',
  byteOrder: (col) => `${col} COLLATE "C"`,
  tsEpochMs: POSTGRES_TS_EPOCH_MS,
};

export interface PostgresStoreOptions {
  readonly url: string;
  /** Connections for reads (the committer has its own); default 10 */
  readonly poolSize?: number;
  /** Shown in pg_stat_activity */
  readonly applicationName?: string;
  /**
   * A statement unanswered after this long fails (default 20 s): a database that silently stopped
   * answering turns into 503s instead of requests hanging. Long enough to outlast another node's
   * batch holding the log_seq lock.
   */
  readonly queryTimeoutMs?: number;
  /** Clock used to create partitions ahead at migrate(); default real time */
  readonly now?: () => Date;
}

/**
 * The multi-node adapter. Reads go through a pool and see only committed rows; every write goes
 * through commitBatch on the writer's one dedicated connection. Both reconnect by themselves.
 */
export function createPostgresStore(opts: PostgresStoreOptions): Store {
  const applicationName = opts.applicationName ?? 'bella-server';
  const queryTimeoutMs = opts.queryTimeoutMs ?? 20_000;
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    application_name: applicationName,
    connectionTimeoutMillis: Math.min(5000, queryTimeoutMs),
    query_timeout: queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle pooled connection that breaks is discarded by the pool; without a listener it would crash the process.
  pool.on('error', () => undefined);
  const writer = createPostgresWriter({ url: opts.url, applicationName: `${applicationName} committer`, queryTimeoutMs }, POSTGRES_DIALECT);
  // The second log lane: a batch of log-only units while the first writer has a batch in flight.
  const lane2 = createPostgresWriter({ url: opts.url, applicationName: `${applicationName} committer 2`, queryTimeoutMs }, POSTGRES_DIALECT);
  let firstBusy = 0;

  const d = POSTGRES_DIALECT;
  const read = postgresDb(() => pool);
  // The log_seq counter, updated in the batch transaction: it is visible only once that batch is.
  const highWater = async (log: 'audit' | 'access') => Number((await read.one('SELECT last FROM log_seq WHERE log = ?', [log]))?.last ?? 0);

  const withClient = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    // Checked out, the client's socket errors are ours to handle (the pool listens only while it is idle).
    const ignore = () => undefined;
    c.on('error', ignore);
    try {
      const v = await fn(c);
      c.off('error', ignore);
      c.release();
      return v;
    } catch (e) {
      c.off('error', ignore);
      c.release(e as Error);
      throw e;
    }
  };

  return {
    kind: 'postgres',
    async migrate() {
      await withClient(async (c) => {
        await runMigrations(c);
        await ensurePartitions(c, (opts.now ?? (() => new Date()))());
      });
    },
    async ensurePartitions(now) {
      await withClient((c) => ensurePartitions(c, new Date(now)));
    },
    async close() {
      await writer.close();
      await lane2.close();
      await pool.end();
    },
    commitBatch(units, more) {
      if (firstBusy > 0 && units.every((u) => !u.work)) return lane2.commitBatch(units);
      firstBusy++;
      return writer.commitBatch(units, more).finally(() => firstBusy--);
    },
    logLanes: 2,
    writerStats: () => {
      const a = writer.stats();
      const b = lane2.stats() as unknown as Record<string, number>;
      return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, k === 'maxUnits' ? Math.max(v, b[k] ?? 0) : v + (b[k] ?? 0)])) as typeof a;
    },
    probeWritable: () => writer.probeWritable(),
    async backup() {
      throw new DomainError(
        'not_supported',
        'on PostgreSQL, back up with the database\'s own tools (pg_dump for a logical copy, pg_basebackup with WAL archiving for point-in-time recovery); see docs/operations.md',
      );
    },

    ...entityPorts(read, d),
    auditLog: auditLogPort(read, d, (olderThan, batchSize) => purgeLog(pool, 'audit_log', olderThan, batchSize), highWater),
    accessLog: accessLogPort(read, d, (olderThan, batchSize) => purgeLog(pool, 'access_log', olderThan, batchSize), highWater),
    auditTree: auditTreePort(read),
  };
}
