import type { EventType } from '../contract/events.js';
import type { AuditDraft } from '../store/types.js';
import { uuidv7 } from './ids.js';

/** The actor of entries the server writes on its own behalf (bootstrap, retention). */
export const SYSTEM_ACTOR = { type: 'System', id: null, email: null, name: 'bella-server', ip: null } as const;

/** An instance-level audit entry by the System actor, outside any request. */
export function systemAuditDraft(input: {
  readonly event: EventType;
  readonly resource: string;
  readonly timestamp: string;
  readonly details: Readonly<Record<string, unknown>>;
}): AuditDraft {
  return {
    id: uuidv7(), timestamp: input.timestamp, event: input.event, actor: SYSTEM_ACTOR,
    projectSlug: null, environmentSlug: null, resource: input.resource, outcome: 'Success',
    requestId: null, userAgent: null, reason: null, details: input.details,
  };
}
