import pg from 'pg';
import { accessValues, auditValues } from '../rows.js';
import { SerialLock } from '../serial-lock.js';
import type { StoreTx, Unit, UnitOutcome } from '../types.js';
import { UniqueViolationError } from '../types.js';
import { insertLogRows as insertRows } from './log-insert.js';
import { createPostgresTx } from './postgres-tx.js';

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
export function createPostgresWriter(opts: WriterOptions) {
  let client: pg.Client | null = null;
  let healthy = false;
  const lock = new SerialLock();
  const tx: StoreTx = createPostgresTx(() => {
    if (!client) throw new Error('the writer connection is closed');
    return client;
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

  /** Numbers the units' rows in order; unit.audit is read only now (work may have appended rows). */
  function number(units: readonly Unit[], seq: { audit: number; access: number }) {
    const audit: unknown[][] = [];
    const access: unknown[][] = [];
    for (const u of units) {
      for (const e of u.audit) audit.push(auditValues(++seq.audit, e, e.timestamp));
      for (const e of u.access) access.push(accessValues(++seq.access, e, e.timestamp));
    }
    return { audit, access };
  }

  async function runUnit(c: pg.Client, unit: Unit, seq: { audit: number; access: number }): Promise<UnitOutcome> {
    const before = { ...seq };
    await c.query('SAVEPOINT unit');
    try {
      const value = unit.work ? await unit.work(tx) : undefined;
      const rows = number([unit], seq);
      if (rows.audit.length > 0) await insertRows(c, 'audit_log', rows.audit);
      if (rows.access.length > 0) await insertRows(c, 'access_log', rows.access);
      await c.query('RELEASE SAVEPOINT unit');
      return { ok: true, value };
    } catch (error) {
      Object.assign(seq, before);
      // If the connection is gone these throw too, and the whole batch fails (as it must).
      await c.query('ROLLBACK TO SAVEPOINT unit');
      await c.query('RELEASE SAVEPOINT unit');
      const code = (error as { code?: string }).code;
      return { ok: false, error: code === '23505' ? new UniqueViolationError((error as Error).message) : error };
    }
  }

  /**
   * Consecutive units without work (a read's rows, every access row) only insert log rows: they share
   * one savepoint and one INSERT per log (the fixed unnest statement of log-insert.ts). Should that
   * fail, the group is replayed unit by unit so that only the faulty unit fails, exactly as if each
   * had had its own savepoint.
   */
  async function runGroup(c: pg.Client, units: readonly Unit[], seq: { audit: number; access: number }): Promise<UnitOutcome[]> {
    if (units.length === 1) return [await runUnit(c, units[0] as Unit, seq)];
    const before = { ...seq };
    await c.query('SAVEPOINT grp');
    try {
      const rows = number(units, seq);
      if (rows.audit.length > 0) await insertRows(c, 'audit_log', rows.audit);
      if (rows.access.length > 0) await insertRows(c, 'access_log', rows.access);
      await c.query('RELEASE SAVEPOINT grp');
      return units.map(() => ({ ok: true, value: undefined }));
    } catch {
      Object.assign(seq, before);
      await c.query('ROLLBACK TO SAVEPOINT grp');
      await c.query('RELEASE SAVEPOINT grp');
      const out: UnitOutcome[] = [];
      for (const u of units) out.push(await runUnit(c, u, seq));
      return out;
    }
  }

  return {
    commitBatch(units: readonly Unit[]): Promise<UnitOutcome[]> {
      return lock.run(async () => {
        const c = await connect();
        try {
          await c.query('BEGIN');
          // Both counters, always in the same order (no deadlock between nodes), held until COMMIT:
          // the next node's batch waits here, so its seq values follow ours and it commits after us.
          const r = await c.query<{ log: string; last: string }>('SELECT log, last FROM log_seq ORDER BY log FOR UPDATE');
          const start = Object.fromEntries(r.rows.map((x) => [x.log, Number(x.last)]));
          const seq = { audit: start.audit ?? 0, access: start.access ?? 0 };
          const outcomes: UnitOutcome[] = [];
          for (let i = 0; i < units.length; ) {
            let j = i;
            while (j < units.length && !units[j]?.work) j++;
            if (j > i) outcomes.push(...(await runGroup(c, units.slice(i, j), seq)));
            else outcomes.push(await runUnit(c, units[j++] as Unit, seq));
            i = j;
          }
          if (seq.audit !== start.audit || seq.access !== start.access) {
            await c.query("UPDATE log_seq SET last = CASE log WHEN 'audit' THEN $1::bigint ELSE $2::bigint END", [seq.audit, seq.access]);
          }
          const done = await c.query('COMMIT');
          // COMMIT of an aborted transaction "succeeds" as ROLLBACK; that must not count as durable.
          if (done.command !== 'COMMIT') throw new Error('the batch transaction was rolled back by the database');
          return outcomes;
        } catch (error) {
          // No ROLLBACK round trip (it would wait out the timeout again on a dead link): closing the
          // connection makes the server roll the transaction back.
          drop();
          throw error;
        }
      });
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
