import type { Actor } from '../contract/entries.js';
import type { Clock } from '../kernel/clock.js';
import { SYSTEM_ACTOR, type AuditRecorder, type AuditScope, type OpContext, type Principal } from '../kernel/context.js';
import type { AuditDraft } from '../store/types.js';
import { uuidv7 } from './ids.js';

export interface RecorderBinding {
  /** The actor at the time an entry is recorded (a login changes it mid-request) */
  readonly actor: () => Actor;
  readonly requestId: string | null;
  readonly userAgent: string | null;
  /** The calling application (X-App-Client, else X-Bella-Client), recorded as actor.client on every entry */
  readonly client?: string | null;
  readonly scope?: Partial<AuditScope>;
}

/** An audit recorder bound to one operation: entries get its actor, request id and attribution. */
export function createAuditRecorder(deps: { readonly clock: Clock }, bind: RecorderBinding): AuditRecorder {
  const queue: AuditDraft[] = [];
  let scope: AuditScope = { projectSlug: null, environmentSlug: null, resource: null, ...bind.scope };
  const rec: AuditRecorder = {
    record(input) {
      const actor = input.actor ?? bind.actor();
      queue.push({
        id: uuidv7(),
        timestamp: deps.clock().toISOString(),
        event: input.event,
        actor: bind.client && !actor.client ? { ...actor, client: bind.client } : actor,
        projectSlug: input.projectSlug !== undefined ? input.projectSlug : scope.projectSlug,
        environmentSlug: input.environmentSlug !== undefined ? input.environmentSlug : scope.environmentSlug,
        resource: input.resource !== undefined ? input.resource : scope.resource,
        outcome: input.outcome ?? 'Success',
        requestId: bind.requestId,
        userAgent: bind.userAgent,
        reason: input.reason ?? null,
        details: input.details ?? {},
      });
    },
    get scope() {
      return scope;
    },
    setScope(s) {
      scope = { ...scope, ...s };
    },
    take: () => queue.splice(0),
    mark: () => queue.length,
    takeFrom: (mark) => queue.splice(mark),
    discardFrom: (mark) => void queue.splice(mark),
    hasDenied: () => queue.some((e) => e.outcome === 'Denied'),
    committed: false,
    receipts: [],
    precondition: null,
  };
  return rec;
}

const SYSTEM: Principal = { kind: 'system', actor: SYSTEM_ACTOR };

/** The operation context of the server's own work (a worker, bootstrap): System actor, no request. */
export function systemOp(deps: { readonly clock: Clock }): OpContext {
  return {
    principal: SYSTEM,
    requestId: null,
    ip: null,
    userAgent: null,
    audit: createAuditRecorder(deps, { actor: () => SYSTEM_ACTOR, requestId: null, userAgent: null }),
  };
}
