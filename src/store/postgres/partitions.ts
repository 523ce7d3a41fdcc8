import type pg from 'pg';

export type LogTable = 'audit_log' | 'access_log';
export const LOG_TABLES: readonly LogTable[] = ['audit_log', 'access_log'];

/** Months kept ready from "now" on. Earlier months are not re-created (a purge may just have dropped them); a stray
 * early row lands in the default partition, which purges clean up row by row. */
export const MONTHS_BEHIND = 0;
export const MONTHS_AHEAD = 3;

/** Advisory locks: partition creation and purges each run on one node at a time (no racing DDL). */
const PARTITION_LOCK_KEY = 0x6265_6c6d; // 'belm'
const PURGE_LOCK_KEY = 0x6265_6c70; // 'belp'

/** Lock timeout for the table lock a partition drop needs: requests wait at most this long. */
const DDL_LOCK_TIMEOUT = '500ms';
const DDL_ATTEMPTS = 20;

const pad = (n: number) => String(n).padStart(2, '0');
const monthStart = (year: number, month0: number) => new Date(Date.UTC(year, month0, 1));

/** The partition holding month `month0` (0-based) of `year`: audit_log_p202611. Its name encodes its range. */
export function partitionName(table: LogTable, year: number, month0: number): string {
  const d = monthStart(year, month0);
  return `${table}_p${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}`;
}

/** Parses the range back out of a partition name; null for the default partition or foreign tables. */
export function partitionRange(table: LogTable, name: string): { from: Date; to: Date } | null {
  const m = new RegExp(`^${table}_p(\\d{4})(\\d{2})$`).exec(name);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return { from: monthStart(y, mo), to: monthStart(y, mo + 1) };
}

export async function listPartitions(db: pg.ClientBase | pg.Pool, table: LogTable): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
    [table],
  );
  return r.rows.map((x) => x.name);
}

const isLockTimeout = (e: unknown) => (e as { code?: string }).code === '55P03';

/** Runs a short DDL transaction with a lock timeout, retrying: a busy table delays the DDL, never requests. */
async function shortDdl(client: pg.ClientBase, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
      await fn();
      await client.query('COMMIT');
      return;
    } catch (e) {
      await client.query('ROLLBACK');
      if (!isLockTimeout(e) || attempt >= DDL_ATTEMPTS) throw e;
      await new Promise((res) => setTimeout(res, 50 * attempt));
    }
  }
}

/**
 * Creates the monthly partitions from MONTHS_BEHIND before `now` to MONTHS_AHEAD after it. Rows that
 * already landed in the default partition for such a month are moved into the new partition in the
 * same transaction (PostgreSQL refuses to create a partition that the default partition overlaps).
 */
export async function ensurePartitions(client: pg.ClientBase, now: Date): Promise<string[]> {
  const created: string[] = [];
  await client.query('SELECT pg_advisory_lock($1)', [PARTITION_LOCK_KEY]);
  try {
    for (const table of LOG_TABLES) {
      const existing = new Set(await listPartitions(client, table));
      for (let k = -MONTHS_BEHIND; k <= MONTHS_AHEAD; k++) {
        const name = partitionName(table, now.getUTCFullYear(), now.getUTCMonth() + k);
        if (existing.has(name)) continue;
        const { from, to } = partitionRange(table, name) as { from: Date; to: Date };
        const range = `FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`;
        await shortDdl(client, async () => {
          // Writers wait at the parent's lock and then route rows with the new partition map; with a weaker
          // lock an insert routed to the default partition before the change would fail its new constraint.
          await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
          const stray = await client.query(`SELECT 1 FROM ${table}_default WHERE ts >= $1 AND ts < $2 LIMIT 1`, [from, to]);
          if (stray.rowCount === 0) {
            await client.query(`CREATE TABLE ${name} PARTITION OF ${table} ${range}`);
            return;
          }
          await client.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
          await client.query(
            `WITH moved AS (DELETE FROM ${table}_default WHERE ts >= $1 AND ts < $2 RETURNING *) INSERT INTO ${name} SELECT * FROM moved`,
            [from, to],
          );
          await client.query(`ALTER TABLE ${table} ATTACH PARTITION ${name} ${range}`);
        });
        created.push(name);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PARTITION_LOCK_KEY]);
  }
  return created;
}

/**
 * Removes rows with ts < olderThan: whole partitions that ended before the cut-off are dropped (no
 * row-by-row delete, no bloat, no vacuum debt); only the partition straddling the cut-off and the
 * default partition lose rows through small DELETE batches, each its own short transaction. When
 * another node is already purging, this one does nothing (returns 0) rather than racing it.
 */
export async function purgeLog(pool: pg.Pool, table: LogTable, olderThan: string, batchSize: number): Promise<number> {
  const cutoff = new Date(olderThan);
  const client = await pool.connect();
  // A checked-out client that loses its socket between queries emits 'error'; unhandled, that would crash the process.
  const ignore = () => undefined;
  client.on('error', ignore);
  let broken: Error | undefined;
  try {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [PURGE_LOCK_KEY]);
    if (!got.rows[0]?.ok) return 0;
    try {
      let removed = 0;
      for (const name of await listPartitions(client, table)) {
        const range = partitionRange(table, name);
        if (!range || range.to.getTime() > cutoff.getTime()) continue;
        // Counted before the drop, without a lock: rows only enter a month long past with a backdated
        // timestamp, which the server never writes (it stamps rows with its own clock).
        const n = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
        await shortDdl(client, async () => {
          // Parent first, as writers lock it (parent, then partition): the reverse order could deadlock.
          await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
          await client.query(`DROP TABLE IF EXISTS ${name}`);
        });
        removed += Number(n.rows[0]?.n ?? 0);
      }
      const del = `DELETE FROM ${table} WHERE (seq, ts) IN (SELECT seq, ts FROM ${table} WHERE ts < $1 LIMIT $2)`;
      for (;;) {
        const r = await client.query(del, [cutoff, batchSize]);
        removed += r.rowCount ?? 0;
        if ((r.rowCount ?? 0) < batchSize) break;
        await new Promise((res) => setImmediate(res));
      }
      return removed;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PURGE_LOCK_KEY]);
    }
  } catch (e) {
    broken = e as Error;
    throw e;
  } finally {
    // A client that failed mid-way may still hold the session lock: destroy it rather than pool it.
    client.off('error', ignore);
    client.release(broken);
  }
}
