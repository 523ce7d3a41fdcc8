import type { OpContext } from '../kernel/context.js';
import { DomainError, conflict, unavailable } from '../kernel/errors.js';
import type { StoreTx } from '../store/ports.js';
import { UniqueViolationError, type AccessDraft } from '../store/types.js';
import { StoreUnavailableError, type CommitterHealth, type GroupCommitter } from './committer.js';

/**
 * The services' one way to change anything: an operation's state change and its Audit Log entries
 * become durable together (group-committed with the other operations of this event-loop turn) or
 * not at all. The commit algorithm itself is store/batch-runner.ts.
 */
export interface UnitOfWork {
  /**
   * Applies `work` (rules included: its reads-for-write run on the same transaction) together with
   * the entries queued on `op` and those recorded while the work runs. If the log cannot be written
   * the change does not happen (audit_unavailable).
   */
  run<T>(op: OpContext, work?: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Commits the still-queued entries of `op` with access rows (a request's end), with the operation's
   * precondition if no unit has committed it yet. Rejects with StoreUnavailableError, which the caller
   * turns into its fail-closed answer, or with the precondition's DomainError (nothing committed).
   */
  flush(op: Pick<OpContext, 'audit'>, access: readonly AccessDraft[]): Promise<void>;
  health(): CommitterHealth;
  /** Resolves when everything submitted so far is committed (or failed). */
  drain(): Promise<void>;
}

/**
 * Takes the operation's precondition for the unit about to be submitted (so two units of one operation
 * never both carry it) and gives it back when that unit does not commit for another reason than the
 * precondition's own refusal.
 */
function takePrecondition(op: Pick<OpContext, 'audit'>): { run: ((tx: StoreTx) => Promise<void>) | null; failed(e: unknown): void } {
  const pre = op.audit.precondition;
  op.audit.precondition = null;
  let refused = false;
  return {
    run: pre
      ? async (tx) => {
          try {
            await pre(tx);
          } catch (e) {
            refused = e instanceof DomainError;
            throw e;
          }
        }
      : null,
    failed() {
      if (pre && !refused) op.audit.precondition ??= pre;
    },
  };
}

export function createUnitOfWork(deps: { readonly committer: GroupCommitter }): UnitOfWork {
  const { committer } = deps;
  return {
    async run<T>(op: OpContext, work?: (tx: StoreTx) => Promise<T>): Promise<T> {
      const audit = op.audit.take();
      const pre = takePrecondition(op);
      const check = pre.run;
      // Entries recorded while the work runs (e.g. with the version it assigned) join the same unit:
      // the runner reads unit.audit only after the work has finished.
      const wrapped = work
        ? async (tx: StoreTx) => {
            if (check) await check(tx);
            const mark = op.audit.mark();
            try {
              const value = await work(tx);
              audit.push(...op.audit.takeFrom(mark));
              return value;
            } catch (e) {
              op.audit.discardFrom(mark); // entries describing a change that rolled back
              throw e;
            }
          }
        : (check ?? undefined);
      try {
        const value = await committer.submit({ work: wrapped as ((tx: StoreTx) => Promise<T>) | undefined, audit, access: [], receipt: (s) => op.audit.receipts.push(...s) });
        op.audit.committed = true;
        return value as T;
      } catch (e) {
        pre.failed(e);
        if (e instanceof StoreUnavailableError) throw unavailable();
        if (e instanceof UniqueViolationError) throw conflict('that already exists (a concurrent request created it first)');
        throw e;
      }
    },
    async flush(op, access) {
      const pre = takePrecondition(op);
      try {
        await committer.submit({ work: pre.run ?? undefined, audit: op.audit.take(), access, receipt: (s) => op.audit.receipts.push(...s) });
      } catch (e) {
        pre.failed(e);
        throw e;
      }
    },
    health: () => committer.health(),
    drain: () => committer.drain(),
  };
}
