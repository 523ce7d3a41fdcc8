import { entryLeafHash, leafSuffix, newSalts, personalCommitment, type CommittedEntry } from '../integrity/canonical.js';
import { extend, packFrontier, unpackFrontier } from '../integrity/compact.js';
import { accessValues, auditValues } from './rows.js';
import type { AuditTreeTx, StoreTx } from './ports.js';
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
  /**
   * Opens the batch transaction. Returns the last seq of each log when opening already locked them
   * (SQLite's one write lock), or null: then the runner calls lock() once, outside any savepoint,
   * right before the first unit that may number rows, so the counters are held as briefly as possible.
   */
  begin(): Promise<Seqs | null>;
  /** Locks the seq counters until commit and returns the last seq of each log (when begin() gave null). */
  lock?(): Promise<Seqs>;
  savepoint(name: string): Promise<void>;
  release(name: string): Promise<void>;
  rollbackTo(name: string): Promise<void>;
  /** Inserts numbered rows (AUDIT_COLUMNS / ACCESS_COLUMNS order) */
  insertAudit(rows: readonly (readonly unknown[])[]): Promise<unknown>;
  insertAccess(rows: readonly (readonly unknown[])[]): Promise<unknown>;
  /** Stores the new last seqs (when changed) and commits durably; rejects when not durable. */
  commit(start: Readonly<Seqs>, end: Readonly<Seqs>): Promise<void>;
  /**
   * Optional (an adapter that holds statements back to send them together, i.e. PostgreSQL): releases
   * savepoint `name` and commits like commit(), sending whatever is still unsent inside it (the
   * group's inserts, the tree's writes) with the counters and COMMIT at once. The runner calls it only
   * when the batch ends with a run of log-only units opened by savepoint(name), after the lock.
   * Resolves true once durable; false when a statement inside the savepoint failed: the adapter has
   * rolled back to the savepoint and released it (the seq lock, taken before it, is still held) and
   * the runner replays the run unit by unit, then calls commit(). Rejects when the batch failed.
   * Without it (SQLite) the runner releases the savepoint and then calls commit().
   */
  commitGroup?(name: string, start: Readonly<Seqs>, end: Readonly<Seqs>): Promise<boolean>;
  /**
   * Optional (PostgreSQL): the database numbers a batch of log rows itself. The runner calls it,
   * before begin() and instead of the whole batch, when no unit has work and each log has at most
   * maxRows rows, with the rows (their seq values are only placeholders: 1, 2, … per log) and, per
   * audit row, its leafSuffix (the canonical bytes after the seq). The adapter opens a transaction,
   * locks the counters, numbers the rows in order from the locked values, extends the tree by their
   * leaves, inserts them and commits, in one message. Resolves the seqs before the first row of each
   * log (last seqs before the batch) once durable; null when a statement failed and the transaction
   * was rolled back (nothing applied: the runner then runs the batch the usual way, where only the
   * faulty unit fails); rejects when the outcome is unknown or the connection failed.
   */
  numberInDatabase?: {
    readonly maxRows: number;
    commit(audit: readonly (readonly unknown[])[], access: readonly (readonly unknown[])[], suffixes: readonly Buffer[]): Promise<Seqs | null>;
  };
  /** After any failure: the transaction must not survive (roll back, or drop the connection). */
  abort(): Promise<void>;
  /** True when a driver error is a unique-constraint violation (two requests created the same thing) */
  isUniqueViolation(error: unknown): boolean;
  /** The ports' write side on this transaction */
  readonly tx: StoreTx;
  /** The Merkle tree's edge and nodes on this transaction (read after begin(): the seq lock covers it) */
  readonly tree: AuditTreeTx;
}

/** The batch's numbering state: last seqs, and the leaf hashes and seqs of the audit rows inserted so far. */
interface Numbering extends Seqs {
  leaves: Buffer[];
  /** Units whose audit rows were inserted, with the seqs they got (told to the unit once durable) */
  receipts: { unit: Unit; seqs: number[] }[];
}

/**
 * Assigns seq to the units' rows in order. This is the one place where a row gets its position in
 * its log, so the Merkle leaf of each Audit Log row (invariant 9) is computed here, from the row as
 * it will be read back (details as stored JSON text) and its seq; the tree is extended before the
 * batch commits (extendTree). With `suffixes` (numberInDatabase) the seqs are placeholders from 1 and
 * seq.leaves gets each entry's leafSuffix instead: the database completes the leaves.
 */
function number(units: readonly Unit[], seq: Numbering, suffixes = false): { audit: unknown[][]; access: unknown[][] } {
  const audit: unknown[][] = [];
  const access: unknown[][] = [];
  // unit.audit is read only now: a unit's work may have appended rows that depend on its result.
  let rows = 0;
  for (const u of units) rows += u.audit.length;
  const salts = newSalts(rows);
  let drawn = 0;
  for (const u of units) {
    const seqs: number[] = [];
    if (u.receipt && u.audit.length > 0) seq.receipts.push({ unit: u, seqs });
    for (const e of u.audit) {
      const n = ++seq.audit;
      seqs.push(n);
      const salt = salts[drawn++] as Buffer;
      const personal = { salt: salt.toString('hex'), hash: personalCommitment(salt, e.actor) };
      const details = JSON.stringify(e.details);
      // One object literal of one shape for every entry (a spread of the draft gave each draft's own
      // hidden class and made every field read in canonicalText megamorphic).
      const committed: CommittedEntry = {
        seq: n, id: e.id, timestamp: e.timestamp, event: e.event, actor: e.actor, projectSlug: e.projectSlug, environmentSlug: e.environmentSlug,
        resource: e.resource, outcome: e.outcome, requestId: e.requestId, userAgent: e.userAgent, reason: e.reason,
        details: JSON.parse(details) as Record<string, unknown>, personalHash: personal.hash,
      };
      // numberInDatabase: the leaf is completed where the final seq is known (leafSuffix).
      seq.leaves.push(suffixes ? leafSuffix(committed) : entryLeafHash(committed));
      audit.push(auditValues(n, e, e.timestamp, personal, details));
    }
    for (const e of u.access) access.push(accessValues(++seq.access, e, e.timestamp));
  }
  return { audit, access };
}

const snapshot = (s: Numbering) => ({ audit: s.audit, access: s.access, leaves: s.leaves.length, receipts: s.receipts.length });
function restore(s: Numbering, b: ReturnType<typeof snapshot>): void {
  s.audit = b.audit;
  s.access = b.access;
  s.leaves.length = b.leaves;
  s.receipts.length = b.receipts;
}

/**
 * Extends the tree by the batch's leaves, in the batch's transaction. The edge must end where seq
 * ends: anything else means rows were written around the committer, and the batch fails (closed)
 * rather than build a tree that skips them. A tree that never grew (rows bulk-loaded before the
 * server first committed) starts at the next seq instead.
 */
async function extendTree(c: BatchConnection, start: Seqs, seq: Numbering): Promise<void> {
  if (seq.leaves.length === 0) return;
  const state = await c.tree.state();
  let firstSeq = state.firstSeq;
  if (state.size === 0 && firstSeq !== start.audit + 1) firstSeq = start.audit + 1;
  if (firstSeq + state.size !== start.audit + 1) {
    throw new Error(`the audit tree holds ${state.size} leaves from seq ${firstSeq} but the last seq is ${start.audit}: refusing to extend it`);
  }
  const { edge, nodes } = extend({ size: state.size, frontier: unpackFrontier(state.size, state.frontier) }, seq.leaves);
  await c.tree.save(nodes, { size: edge.size, firstSeq, frontier: packFrontier(edge.frontier) });
}

async function insertAll(c: BatchConnection, units: readonly Unit[], seq: Numbering): Promise<void> {
  const rows = number(units, seq);
  if (rows.audit.length > 0) await c.insertAudit(rows.audit);
  if (rows.access.length > 0) await c.insertAccess(rows.access);
}

async function runUnit(c: BatchConnection, unit: Unit, seq: Numbering): Promise<UnitOutcome> {
  const before = snapshot(seq);
  await c.savepoint('unit');
  try {
    const value = unit.work ? await unit.work(c.tx) : undefined;
    await insertAll(c, [unit], seq);
    await c.release('unit');
    return { ok: true, value };
  } catch (error) {
    restore(seq, before);
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
async function runLogOnly(c: BatchConnection, units: readonly Unit[], seq: Numbering): Promise<UnitOutcome[]> {
  if (units.length === 1) return [await runUnit(c, units[0] as Unit, seq)];
  const before = snapshot(seq);
  await c.savepoint('grp');
  try {
    await insertAll(c, units, seq);
    await c.release('grp');
    return allOk(units);
  } catch {
    restore(seq, before);
    await c.rollbackTo('grp');
    await c.release('grp');
    const out: UnitOutcome[] = [];
    for (const u of units) out.push(await runUnit(c, u, seq));
    return out;
  }
}

const allOk = (units: readonly Unit[]): UnitOutcome[] => units.map(() => ({ ok: true, value: undefined }));

/**
 * The batch's last run when it only writes log rows, on an adapter with commitGroup: its inserts, the
 * tree's extension, the counters and COMMIT go together (on PostgreSQL one message after the lock's
 * reply, so the seq lock is held for one round trip plus the flush). Optimistic: when a row fails,
 * the numbering is restored, the transaction is back before the run's savepoint (lock still held),
 * and it returns null; the caller then replays the run unit by unit (runUnit), which gives exactly
 * the outcomes of the careful mode.
 */
async function commitLogOnly(c: BatchConnection & Required<Pick<BatchConnection, 'commitGroup'>>, units: readonly Unit[], seq: Numbering, start: Seqs): Promise<UnitOutcome[] | null> {
  const before = snapshot(seq);
  await c.savepoint('grp');
  try {
    // Small inserts only queue here; a bulk one (COPY) is sent at once and may fail right here.
    await insertAll(c, units, seq);
  } catch {
    restore(seq, before);
    await c.rollbackTo('grp');
    await c.release('grp');
    return null;
  }
  await extendTree(c, start, seq);
  if (await c.commitGroup('grp', start, { audit: seq.audit, access: seq.access })) return allOk(units);
  restore(seq, before);
  return null;
}

/**
 * A batch without work on an adapter that numbers rows in the database: one message, the counters
 * locked only while the database inserts and flushes. Null when the database refused a row (nothing
 * was applied; the caller runs the batch the usual way).
 */
async function commitNumbered(n: NonNullable<BatchConnection['numberInDatabase']>, units: readonly Unit[]): Promise<UnitOutcome[] | null> {
  const seq: Numbering = { audit: 0, access: 0, leaves: [], receipts: [] };
  const rows = number(units, seq, true);
  const before = await n.commit(rows.audit, rows.access, seq.leaves);
  if (!before) return null;
  for (const r of seq.receipts) r.unit.receipt?.(r.seqs.map((k) => before.audit + k));
  return allOk(units);
}

/**
 * The unit-of-work runner, the same for every adapter: one transaction for the batch, a savepoint
 * per unit (a failing unit rolls back alone and gets { ok: false }), gap-free seq in commit order,
 * one durable commit. When the batch ends with log-only units and the adapter has commitGroup, their
 * rows go with the commit (commitLogOnly) and are replayed unit by unit only if one fails. Rejects (nothing applied) when the transaction itself cannot commit. The
 * caller serialises batches on the connection.
 */
export async function runBatch(c: BatchConnection, given: readonly Unit[], more?: () => readonly Unit[]): Promise<UnitOutcome[]> {
  const units: Unit[] = [...given];
  try {
    const n = c.numberInDatabase;
    if (n && units.every((u) => !u.work)) {
      let audit = 0;
      let access = 0;
      for (const u of units) (audit += u.audit.length), (access += u.access.length);
      if (audit + access > 0 && audit <= n.maxRows && access <= n.maxRows) {
        const done = await commitNumbered(n, units);
        if (done) return done;
      }
    }
    const opened = await c.begin();
    let start: Seqs | null = opened;
    const seq: Numbering = { audit: opened?.audit ?? 0, access: opened?.access ?? 0, leaves: [], receipts: [] };
    // Taken before the savepoint of the first unit that has work (its work may append rows) or rows:
    // a lock taken inside a savepoint would be released by ROLLBACK TO it.
    const locked = async (): Promise<Seqs> => {
      if (start) return start;
      if (!c.lock) throw new Error('the connection neither locked seq at begin nor can lock it');
      start = await c.lock();
      seq.audit = start.audit;
      seq.access = start.access;
      return start;
    };
    // Where the lock is taken apart from begin() it may wait for another batch (another node's): the
    // batch takes it first and then the units submitted meanwhile (more), so that they commit now
    // rather than wait for the next lock. Nothing is lost by taking it before the first unit with
    // rows or work: a batch that has neither takes no lock.
    if (more && !opened && units.some((u) => u.work || u.audit.length > 0 || u.access.length > 0)) {
      await locked();
      units.push(...more());
    }
    const outcomes: UnitOutcome[] = [];
    let committed = false;
    for (let i = 0; i < units.length; ) {
      let j = i;
      while (j < units.length && !(units[j] as Unit).work) j++;
      if (j > i) {
        const run = units.slice(i, j);
        const rows = run.some((u) => u.audit.length > 0 || u.access.length > 0);
        if (rows) await locked();
        if (rows && j === units.length && c.commitGroup) {
          // The batch ends with log rows only: they commit with the batch in one go, or, should a row
          // fail, are replayed unit by unit (the transaction is back before them, the lock still held).
          const fast = await commitLogOnly(c as Parameters<typeof commitLogOnly>[0], run, seq, await locked());
          committed = fast !== null;
          if (fast) outcomes.push(...fast);
          else for (const u of run) outcomes.push(await runUnit(c, u, seq));
        } else outcomes.push(...(await runLogOnly(c, run, seq)));
      } else {
        await locked();
        outcomes.push(await runUnit(c, units[j++] as Unit, seq));
      }
      i = j;
    }
    if (!committed) {
      const from = start ?? { audit: seq.audit, access: seq.access };
      await extendTree(c, from, seq);
      await c.commit(from, { audit: seq.audit, access: seq.access });
    }
    for (const r of seq.receipts) r.unit.receipt?.(r.seqs);
    return outcomes;
  } catch (error) {
    await c.abort();
    throw error;
  }
}
