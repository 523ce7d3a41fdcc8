import pg from 'pg';
import type { StoreTx } from '../ports.js';
import { SerialLock } from '../serial-lock.js';
import { storeTx } from '../sql/compose.js';
import type { SqlDialect } from '../sql/db.js';
import type { Unit, UnitOutcome } from '../types.js';
import { runBatch, type BatchConnection } from '../batch-runner.js';
import { auditTreeTx } from '../sql/audit-tree.js';
import { insertLogRows } from './log-insert.js';
import { postgresDb } from './postgres-db.js';

export interface WriterOptions {
  readonly url: string;
  readonly applicationName: string;
  /** A statement that has not answered after this long means the database is unreachable */
  readonly queryTimeoutMs: number;
}

/** Session settings of the committer's connection; the why of each is in docs/operations.md. */
const WRITER_SETTINGS = [
  // A commit is acknowledged only once it is flushed to the WAL on disk (invariant 3).
  'SET synchronous_commit = on',
  // A node that dies mid-batch must not hold the log_seq rows (and so every other node) for long.
  "SET idle_in_transaction_session_timeout = '15s'",
];

/**
 * The committer's one dedicated connection (never a pool client that a read could borrow). It is
 * (re)opened lazily: after the database went away, the next batch reconnects, so service resumes by
 * itself. Batches and probes are serialised on it.
 */
export function createPostgresWriter(opts: WriterOptions, dialect: SqlDialect) {
  let client: pg.Client | null = null;
  let healthy = false;
  const lock = new SerialLock();
  const onWriter = postgresDb(() => {
    if (!client) throw new Error('the writer connection is closed');
    return client;
  });
  const tx: StoreTx = storeTx(onWriter, dialect);
  const tree = auditTreeTx(onWriter);

  /**
   * The PostgreSQL side of the unit of work on the writer's connection. Both log_seq counters are
   * locked in the same order (no deadlock between nodes) and held until COMMIT: the next node's
   * batch waits, so its seq values follow ours and it commits after us.
   */
  const batchOn = (c: pg.Client): BatchConnection => ({
    async begin() {
      await c.query('BEGIN');
      const r = await c.query<{ log: string; last: string }>('SELECT log, last FROM log_seq ORDER BY log FOR UPDATE');
      const start = Object.fromEntries(r.rows.map((x) => [x.log, Number(x.last)]));
      return { audit: start.audit ?? 0, access: start.access ?? 0 };
    },
    savepoint: async (name) => void (await c.query(`SAVEPOINT ${name}`)),
    release: async (name) => void (await c.query(`RELEASE SAVEPOINT ${name}`)),
    rollbackTo: async (name) => void (await c.query(`ROLLBACK TO SAVEPOINT ${name}`)),
    insertAudit: (rows) => insertLogRows(c, 'audit_log', rows),
    insertAccess: (rows) => insertLogRows(c, 'access_log', rows),
    async commit(start, end) {
      if (end.audit !== start.audit || end.access !== start.access) {
        await c.query("UPDATE log_seq SET last = CASE log WHEN 'audit' THEN $1::bigint ELSE $2::bigint END", [end.audit, end.access]);
      }
      const done = await c.query('COMMIT');
      // COMMIT of an aborted transaction "succeeds" as ROLLBACK; that must not count as durable.
      if (done.command !== 'COMMIT') throw new Error('the batch transaction was rolled back by the database');
    },
    // No ROLLBACK round trip (it would wait out the timeout again on a dead link): closing the
    // connection makes the server roll the transaction back.
    abort: async () => drop(),
    isUniqueViolation: (error) => (error as { code?: string }).code === '23505',
    tx,
    tree,
  });

  let closed = false;

  async function connect(): Promise<pg.Client> {
    if (closed) throw new Error('the store is closed');
    if (client && healthy) return client;
    drop();
    const c = new pg.Client({
      connectionString: opts.url,
      application_name: opts.applicationName,
      connectionTimeoutMillis: Math.min(5000, opts.queryTimeoutMs),
      query_timeout: opts.queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // Errors between queries (socket reset) arrive here; mark the connection for replacement.
    c.on('error', () => {
      if (client === c) healthy = false;
    });
    c.on('end', () => {
      if (client === c) healthy = false;
    });
    try {
      await c.connect();
      for (const s of WRITER_SETTINGS) await c.query(s);
      await c.query(`SET statement_timeout = ${Math.trunc(opts.queryTimeoutMs)}`);
    } catch (e) {
      c.end().catch(() => undefined);
      throw e;
    }
    client = c;
    healthy = true;
    return c;
  }

  /** Forgets the connection; its state is unknown after a failure, so it is never reused. */
  function drop(): void {
    const c = client;
    client = null;
    healthy = false;
    if (c) c.end().catch(() => undefined);
  }

  return {
    commitBatch(units: readonly Unit[]): Promise<UnitOutcome[]> {
      return lock.run(async () => runBatch(batchOn(await connect()), units));
    },

    /** Begins a transaction that would write and rolls it back: fails on a lost or read-only database. */
    probeWritable(): Promise<void> {
      return lock.run(async () => {
        const c = await connect();
        try {
          await c.query('BEGIN');
          await c.query('UPDATE log_seq SET last = last WHERE FALSE');
          await c.query('ROLLBACK');
        } catch (e) {
          drop();
          throw e;
        }
      });
    },

    close(): Promise<void> {
      return lock.run(async () => {
        closed = true;
        const c = client;
        client = null;
        healthy = false;
        if (c) await c.end().catch(() => undefined);
      });
    },
  };
}

export type PostgresWriter = ReturnType<typeof createPostgresWriter>;
