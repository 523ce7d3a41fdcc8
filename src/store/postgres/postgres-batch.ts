import pg from 'pg';
import type { AuditTreeTx, StoreTx, TreeNodeRow, TreeStateRow } from '../ports.js';
import { SerialLock } from '../serial-lock.js';
import { storeTx } from '../sql/compose.js';
import type { SqlDialect } from '../sql/db.js';
import type { Unit, UnitOutcome } from '../types.js';
import { runBatch, type BatchConnection, type Seqs } from '../batch-runner.js';
import { stateOf } from '../sql/audit-tree.js';
import { COPY_FROM_ROWS, copyRows, insertLogRows, logInsertSql } from './log-insert.js';
import { postgresDb } from './postgres-db.js';
import { newWriterStats, recordBatch, type WriterStats } from './writer-stats.js';

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
 * Locks both counters (always in the same order: no deadlock between nodes) and reads the tree's
 * edge, in one round trip. The second statement takes its own snapshot after the first one returned,
 * i.e. after the previous holder committed, so it sees that holder's edge.
 */
const LOCK_SQL = 'SELECT log, last FROM log_seq ORDER BY log FOR UPDATE; SELECT size, first_seq, frontier, extract(epoch FROM clock_timestamp()) * 1000 AS locked_at FROM audit_tree WHERE id = 1';
/**
 * Sent after COMMIT in the same message, so it runs once the commit is flushed and the counters are
 * released: with the lock's grant time (also the database's clock) it gives how long the counters
 * were held, wherever the node is (writer-stats lockHeldMs).
 */
const RELEASED_SQL = 'SELECT extract(epoch FROM clock_timestamp()) * 1000 AS released_at';
/** The database's clock in the last result of a message ending in RELEASED_SQL. */
const releasedAt = (results: readonly pg.QueryResult[]): number => Number((results[results.length - 1]?.rows[0] as { released_at?: number } | undefined)?.released_at);

const int = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
};
const bytea = (b: Buffer): string => `'\\x${b.toString('hex')}'::bytea`;

/**
 * The tree's writes as statement text (integers and hex only), sent with the COMMIT in one round
 * trip; a large batch's nodes go by COPY instead (saveTree), and only the edge's UPDATE is left here.
 */
function treeSql(nodes: readonly TreeNodeRow[], state: TreeStateRow): string[] {
  const out: string[] = [];
  if (nodes.length > 0) {
    out.push(`INSERT INTO audit_tree_nodes (level, idx, hash) VALUES ${nodes.map((n) => `(${int(n.key[0])}, ${int(n.key[1])}, ${bytea(n.hash)})`).join(', ')}`);
  }
  out.push(`UPDATE audit_tree SET size = ${int(state.size)}, first_seq = ${int(state.firstSeq)}, frontier = ${bytea(state.frontier)} WHERE id = 1`);
  return out;
}

/**
 * The committer's one dedicated connection (never a pool client that a read could borrow). It is
 * (re)opened lazily: after the database went away, the next batch reconnects, so service resumes by
 * itself. Batches and probes are serialised on it.
 */
export function createPostgresWriter(opts: WriterOptions, dialect: SqlDialect) {
  let client: pg.Client | null = null;
  let healthy = false;
  const lock = new SerialLock();
  const stats = newWriterStats();

  /**
   * The PostgreSQL side of the unit of work on the writer's connection, built for one batch. Round
   * trips are few: statements without a result the runner needs (BEGIN, SAVEPOINT, RELEASE,
   * ROLLBACK TO, the tree's writes, the counters' UPDATE) wait in `pending` and travel with the next
   * statement in one simple-protocol message; the counters are locked only when the runner first
   * needs numbers (lock()), and released by the COMMIT that travels with the tree and counter writes
   * (and, for a batch of reads, with its log inserts: 2 round trips in all, see README.md).
   */
  const batchOn = (c: pg.Client): BatchConnection & { finish(units: number): void } => {
    const pending: string[] = [];
    let trips = 0;
    let treeState: TreeStateRow | null = null;
    /** When the counters were granted, by the database's clock (0: not locked by this batch) */
    let lockedAt = 0;
    let lockWaitMs = 0;
    let lockHeldMs = 0;
    let commitMs = 0;
    let insertMs = 0;
    let rows = 0;
    let replays = 0;
    /** Sends the pending statements followed by `text` (if any) as one message; returns each statement's result. */
    const simple = async (text?: string): Promise<pg.QueryResult[]> => {
      const all = text ? [...pending, text] : [...pending];
      pending.length = 0;
      if (all.length === 0) return [];
      trips++;
      const r = (await c.query(all.join('; '))) as unknown as pg.QueryResult | pg.QueryResult[];
      return Array.isArray(r) ? r : [r];
    };
    const flush = async () => {
      if (pending.length > 0) await simple();
    };
    // The ports' write side: pending statements go first, so a unit's work runs inside its savepoint.
    const onWriter = postgresDb(
      () =>
        ({
          query: async (text: string, params: unknown[]) => {
            await flush();
            trips++;
            return c.query(text, params);
          },
        }) as unknown as pg.ClientBase,
    );
    const tree: AuditTreeTx = {
      async state() {
        if (treeState) return treeState;
        const r = (await simple('SELECT size, first_seq, frontier FROM audit_tree WHERE id = 1')).at(-1);
        return stateOf(r?.rows[0]);
      },
      async save(nodes, state) {
        if (nodes.length >= 4 * COPY_FROM_ROWS) {
          await flush();
          const t0 = performance.now();
          await copyRows(c, 'COPY audit_tree_nodes (level, idx, hash) FROM STDIN', nodes.map((n) => [n.key[0], n.key[1], n.hash]), opts.queryTimeoutMs);
          insertMs += performance.now() - t0;
          trips += 2;
          pending.push(...treeSql([], state));
        } else pending.push(...treeSql(nodes, state));
      },
    };
    // Small inserts wait in `pending` and are sent by the savepoint's RELEASE (below), so that
    // "SAVEPOINT; INSERT audit; INSERT access; RELEASE" is one round trip and a failing row still
    // fails inside the runner's try, where it rolls back to the savepoint. The batch's last run of
    // log-only units sends them with the COMMIT instead (commitGroup).
    let insertsPending = false;
    const insert = (table: 'audit_log' | 'access_log') => async (rs: readonly (readonly unknown[])[]) => {
      rows += rs.length;
      if (rs.length < COPY_FROM_ROWS) {
        pending.push(logInsertSql(c, table, rs));
        insertsPending = true;
        return;
      }
      await flush();
      const t0 = performance.now();
      trips += await insertLogRows(c, table, rs, opts.queryTimeoutMs);
      insertMs += performance.now() - t0;
    };
    async function commit(start: Readonly<Seqs>, end: Readonly<Seqs>): Promise<void> {
      if (end.audit !== start.audit || end.access !== start.access) {
        pending.push(`UPDATE log_seq SET last = CASE log WHEN 'audit' THEN ${int(end.audit)}::bigint ELSE ${int(end.access)}::bigint END`);
      }
      const t0 = performance.now();
      const results = await simple(`COMMIT; ${RELEASED_SQL}`);
      commitMs = performance.now() - t0;
      // COMMIT of an aborted transaction "succeeds" as ROLLBACK; that must not count as durable.
      if (results[results.length - 2]?.command !== 'COMMIT') throw new Error('the batch transaction was rolled back by the database');
      if (lockedAt) lockHeldMs = Math.max(0, releasedAt(results) - lockedAt);
    }
    const sendInserts = async () => {
      if (!insertsPending) return;
      const t0 = performance.now();
      try {
        await simple();
      } finally {
        insertsPending = false;
        insertMs += performance.now() - t0;
      }
    };
    return {
      async begin() {
        pending.push('BEGIN');
        return null;
      },
      async lock(): Promise<Seqs> {
        const t0 = performance.now();
        const [seqs, edge] = (await simple(LOCK_SQL)).slice(-2);
        lockWaitMs = performance.now() - t0;
        lockedAt = Number((edge?.rows[0] as { locked_at?: number } | undefined)?.locked_at) || 0;
        const start = Object.fromEntries((seqs?.rows ?? []).map((x: { log: string; last: string }) => [x.log, Number(x.last)]));
        treeState = stateOf(edge?.rows[0]);
        return { audit: start.audit ?? 0, access: start.access ?? 0 };
      },
      savepoint: async (name) => void pending.push(`SAVEPOINT ${name}`),
      async release(name) {
        pending.push(`RELEASE SAVEPOINT ${name}`);
        await sendInserts();
      },
      rollbackTo: async (name) => {
        // Inserts still unsent here (a failure between them and RELEASE) run and are rolled back with the rest.
        insertsPending = false;
        pending.push(`ROLLBACK TO SAVEPOINT ${name}`);
      },
      insertAudit: insert('audit_log'),
      insertAccess: insert('access_log'),
      commit,
      async commitGroup(name, start, end) {
        // Everything since the lock's reply travels now: SAVEPOINT, the log inserts, the tree's
        // writes, RELEASE, the counters' UPDATE and COMMIT, in one message.
        insertsPending = false;
        pending.push(`RELEASE SAVEPOINT ${name}`);
        try {
          await commit(start, end);
          return true;
        } catch (error) {
          // A statement of the message failed: PostgreSQL skipped the rest (COMMIT included) and the
          // transaction waits in the aborted state. If the failure was inside the savepoint (a log
          // row; the tree's writes too, which then fail again with the replay's COMMIT), rolling back
          // to it restores the transaction as it was before the run, with the counters still locked
          // (taken before the savepoint). Otherwise (the counters' UPDATE after RELEASE, COMMIT
          // itself, a lost link) the savepoint is gone or the link is: the batch fails, as it would
          // have in the careful mode.
          if (!(error instanceof pg.DatabaseError) || error.severity === 'FATAL' || error.severity === 'PANIC' || !healthy) throw error;
          try {
            await simple(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
          } catch {
            throw error;
          }
          replays++;
          return false;
        }
      },
      numberInDatabase: {
        maxRows: COPY_FROM_ROWS - 1,
        async commit(audit, access, suffixes) {
          // BEGIN, the numbering (lock, seqs, leaves, tree), the inserts and COMMIT in one message:
          // the counters are held from the moment the database grants them to the commit's flush,
          // with no round trip to this node in between (README.md, "numbered by the database").
          const sent = Date.now();
          const t0 = performance.now();
          const text = [
            'BEGIN',
            `SELECT audit_first, access_first, locked_at FROM bella_number_logs(${int(audit.length)}, ${int(access.length)}, ARRAY[${suffixes.map(bytea).join(', ')}]::bytea[])`,
            ...(audit.length > 0 ? [logInsertSql(c, 'audit_log', audit, true)] : []),
            ...(access.length > 0 ? [logInsertSql(c, 'access_log', access, true)] : []),
            'COMMIT',
            RELEASED_SQL,
          ];
          rows += audit.length + access.length;
          let results: pg.QueryResult[];
          try {
            results = await simple(text.join('; '));
          } catch (error) {
            // A statement failed: PostgreSQL skipped the rest (COMMIT included) and the transaction
            // waits in the aborted state. Roll it back (nothing of it applied) and let the runner run
            // the batch unit by unit. A lost link or a session-ending error fails the batch instead.
            if (!(error instanceof pg.DatabaseError) || error.severity === 'FATAL' || error.severity === 'PANIC' || !healthy) throw error;
            await simple('ROLLBACK');
            replays++;
            return null;
          }
          commitMs = performance.now() - t0;
          // COMMIT of an aborted transaction "succeeds" as ROLLBACK; that must not count as durable.
          if (results[results.length - 2]?.command !== 'COMMIT') throw new Error('the batch transaction was rolled back by the database');
          const row = results[1]?.rows[0] as { audit_first: string; access_first: string; locked_at: number } | undefined;
          if (!row) throw new Error('bella_number_logs returned no row');
          // Both ends by the database's clock; the wait from this node's clock (same host in the benchmarks).
          lockWaitMs = Math.max(0, row.locked_at - sent);
          lockHeldMs = Math.max(0, releasedAt(results) - row.locked_at);
          return { audit: Number(row.audit_first) - 1, access: Number(row.access_first) - 1 };
        },
      },
      // No ROLLBACK round trip (it would wait out the timeout again on a dead link): closing the
      // connection makes the server roll the transaction back.
      abort: async () => drop(),
      isUniqueViolation: (error) => (error as { code?: string }).code === '23505',
      tx: storeTx(onWriter, dialect),
      tree,
      finish(units) {
        recordBatch(stats, { units, trips, lockWaitMs, lockHeldMs, commitMs, insertMs, rows, replays });
      },
    };
  };

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
    commitBatch(units: readonly Unit[], more?: () => readonly Unit[]): Promise<UnitOutcome[]> {
      return lock.run(async () => {
        const b = batchOn(await connect());
        const out = await runBatch(b, units, more);
        b.finish(out.length);
        return out;
      });
    },

    /** Counters of the batches committed so far (read by bench/postgres.ts; see writer-stats.ts). */
    stats: (): WriterStats => ({ ...stats }),

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
