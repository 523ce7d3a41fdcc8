import type { FastifyRequest } from 'fastify';
import { uuidv7 } from '../audit/ids.js';
import type { GroupCommitter } from '../audit/committer.js';
import { StoreUnavailableError } from '../audit/committer.js';
import type { KeyRing } from '../secrets/envelope.js';
import { UniqueViolationError, type Store, type StoreTx } from '../store/types.js';
import { auditDraft, type AuditInput } from './context.js';
import { AppError } from './errors.js';

/** What the routes need; built once in main.ts (or by a test) and passed to buildApp. */
export interface AppDeps {
  readonly store: Store;
  readonly committer: GroupCommitter;
  readonly keyring: KeyRing;
  readonly clock: () => Date;
  /** HMAC key that signs pagination cursors so a forged cursor is refused */
  readonly cursorKey: Buffer;
  readonly trustedProxies: readonly string[];
  readonly logLevel?: string;
  /** Where the built WebApp lives; null serves no WebApp */
  readonly webRoot?: string | null;
}

/** Queues an audit row on the request; it is committed with the request's next unit or its access row. */
export function record(deps: AppDeps, req: FastifyRequest, input: AuditInput): void {
  req.ctx.pendingAudit.push(auditDraft(req, input, uuidv7(), deps.clock().toISOString()));
}

/**
 * Applies state changes and the request's queued audit rows in one durable group-committed unit.
 * If the log cannot be written the change does not happen and the client gets 503.
 */
export async function commit<T>(deps: AppDeps, req: FastifyRequest, work?: (tx: StoreTx) => Promise<T>): Promise<T> {
  const audit = req.ctx.pendingAudit.splice(0);
  // Rows recorded while the work runs (e.g. with the version it assigned) join the same unit:
  // adapters read unit.audit only after the work has finished.
  const wrapped = work
    ? async (tx: StoreTx) => {
        const mark = req.ctx.pendingAudit.length;
        try {
          const value = await work(tx);
          audit.push(...req.ctx.pendingAudit.splice(mark));
          return value;
        } catch (e) {
          req.ctx.pendingAudit.splice(mark); // rows describing a change that rolled back
          throw e;
        }
      }
    : undefined;
  try {
    const value = await deps.committer.submit({ work: wrapped, audit, access: [] });
    req.ctx.committed = true;
    return value;
  } catch (e) {
    if (e instanceof StoreUnavailableError) throw unavailable();
    if (e instanceof UniqueViolationError) throw new AppError('conflict', 'that already exists (a concurrent request created it first)');
    throw e;
  }
}

export const NOT_PERFORMED_MESSAGE = 'the audit log cannot be written right now, so the operation was not performed; retry later';
export const unavailable = () => new AppError('audit_unavailable', NOT_PERFORMED_MESSAGE);
