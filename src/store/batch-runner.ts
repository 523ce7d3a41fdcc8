import { accessValues, auditValues } from './rows.js';
import type { StoreTx } from './ports.js';
import type { Unit, UnitOutcome } from './types.js';
import { UniqueViolationError } from './types.js';

/** The last seq handed out per log. */
export interface Seqs {
  audit: number;
  access: number;
}

/**
 * What an adapter supplies to the one unit-of-work runner: its SQL and its connection, nothing of
 * the algorithm. Every method runs on the single connection that holds the batch transaction.
 */
export interface BatchConnection {
  /** Opens the batch transaction and returns the last seq of each log, locked until commit. */
  begin(): Promise<Seqs>;
  savepoint(name: string): Promise<void>;
  release(name: string): Promise<void>;
  rollbackTo(name: string): Promise<void>;
  /** Inserts numbered rows (AUDIT_COLUMNS / ACCESS_COLUMNS order) */
  insertAudit(rows: readonly (readonly unknown[])[]): Promise<void>;
  insertAccess(rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Stores the new last seqs (when changed) and commits durably; rejects when not durable. */
  commit(start: Readonly<Seqs>, end: Readonly<Seqs>): Promise<void>;
  /** After any failure: the transaction must not survive (roll back, or drop the connection). */
  abort(): Promise<void>;
  /** True when a driver error is a unique-constraint violation (two requests created the same thing) */
  isUniqueViolation(error: unknown): boolean;
  /** The ports' write side on this transaction */
  readonly tx: StoreTx;
}

/**
 * Assigns seq to the units' rows in order. This is the one place where a row gets its position in
 * its log; the Merkle leaf hash of each Audit Log row (invariant 9) is to be computed here, from the
 * row and its seq, and the tree extended before the batch commits.
 */
function number(units: readonly Unit[], seq: Seqs): { audit: unknown[][]; access: unknown[][] } {
  const audit: unknown[][] = [];
  const access: unknown[][] = [];
  // unit.audit is read only now: a unit's work may have appended rows that depend on its result.
  for (const u of units) {
    for (const e of u.audit) audit.push(auditValues(++seq.audit, e, e.timestamp));
    for (const e of u.access) access.push(accessValues(++seq.access, e, e.timestamp));
  }
  return { audit, access };
}

async function insertAll(c: BatchConnection, units: readonly Unit[], seq: Seqs): Promise<void> {
  const rows = number(units, seq);
  if (rows.audit.length > 0) await c.insertAudit(rows.audit);
  if (rows.access.length > 0) await c.insertAccess(rows.access);
}

async function runUnit(c: BatchConnection, unit: Unit, seq: Seqs): Promise<UnitOutcome> {
  const before = { ...seq };
  await c.savepoint('unit');
  try {
    const value = unit.work ? await unit.work(c.tx) : undefined;
    await insertAll(c, [unit], seq);
    await c.release('unit');
    return { ok: true, value };
  } catch (error) {
    Object.assign(seq, before);
    // If the connection is gone these throw too, and the whole batch fails (as it must).
    await c.rollbackTo('unit');
    await c.release('unit');
    return { ok: false, error: c.isUniqueViolation(error) ? new UniqueViolationError((error as Error).message) : error };
  }
}

/**
 * Consecutive units without work (a read's audit row and every access row) only insert log rows:
 * they share one savepoint (a savepoint per unit costs a journal of every page it touches) and one
 * insert per log. Should that fail, the run is replayed unit by unit so that only the faulty unit
 * fails, exactly as if each had had its own savepoint.
 */
async function runLogOnly(c: BatchConnection, units: readonly Unit[], seq: Seqs): Promise<UnitOutcome[]> {
  if (units.length === 1) return [await runUnit(c, units[0] as Unit, seq)];
  const before = { ...seq };
  await c.savepoint('grp');
  try {
    await insertAll(c, units, seq);
    await c.release('grp');
    return units.map(() => ({ ok: true, value: undefined }));
  } catch {
    Object.assign(seq, before);
    await c.rollbackTo('grp');
    await c.release('grp');
    const out: UnitOutcome[] = [];
    for (const u of units) out.push(await runUnit(c, u, seq));
    return out;
  }
}

/**
 * The unit-of-work runner, the same for every adapter: one transaction for the batch, a savepoint
 * per unit (a failing unit rolls back alone and gets { ok: false }), gap-free seq in commit order,
 * one durable commit. Rejects (nothing applied) when the transaction itself cannot commit. The
 * caller serialises batches on the connection.
 */
export async function runBatch(c: BatchConnection, units: readonly Unit[]): Promise<UnitOutcome[]> {
  try {
    const start = await c.begin();
    const seq = { ...start };
    const outcomes: UnitOutcome[] = [];
    for (let i = 0; i < units.length; ) {
      let j = i;
      while (j < units.length && !(units[j] as Unit).work) j++;
      if (j > i) outcomes.push(...(await runLogOnly(c, units.slice(i, j), seq)));
      else outcomes.push(await runUnit(c, units[j++] as Unit, seq));
      i = j;
    }
    await c.commit(start, seq);
    return outcomes;
  } catch (error) {
    await c.abort();
    throw error;
  }
}
