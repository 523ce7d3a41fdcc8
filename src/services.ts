import type { UnitOfWork } from './audit/unit-of-work.js';
import { createExportLimiter, type ExportLimits } from './audit/export-limiter.js';
import { createIntegrityService } from './audit/integrity-service.js';
import { createLogQueryService } from './audit/log-query-service.js';
import { createRetentionService } from './audit/retention.js';
import { createApiKeyService } from './identity/api-key-service.js';
import { createSessionService } from './identity/session-service.js';
import { createLoginThrottle } from './identity/throttle.js';
import { createUserService } from './identity/user-service.js';
import type { Clock } from './kernel/clock.js';
import { createMemberService } from './projects/member-service.js';
import { createProjectService } from './projects/project-service.js';
import { createScopeResolver } from './projects/scope.js';
import type { KeyRing } from './secrets/envelope.js';
import { createSecretService } from './secrets/secret-service.js';
import type { Store } from './store/ports.js';

/** Every domain service, each over the narrow part of the store it uses. */
export function createServices(deps: {
  readonly store: Store; readonly uow: UnitOfWork; readonly keyring: KeyRing; readonly clock: Clock; readonly cursorKey: Buffer; readonly exportLimits: ExportLimits;
  /** Checkpoint origin and publication directory (config.ts); tests may leave them out */
  readonly checkpoints?: { readonly origin: string; readonly dir: string | null; readonly webhookUrl?: string | null; readonly alert?: (message: string) => void };
}) {
  const { store, uow, keyring, clock } = deps;
  const scopes = createScopeResolver({ store });
  return {
    scopes,
    secrets: createSecretService({ store, scopes, keyring, uow, clock }),
    projects: createProjectService({ store, scopes, keyring, uow, clock }),
    members: createMemberService({ store, scopes, uow, clock }),
    users: createUserService({ store, uow, clock }),
    sessions: createSessionService({ store, uow, clock, throttle: createLoginThrottle() }),
    apiKeys: createApiKeyService({ store, scopes, keyring, uow, clock }),
    logs: createLogQueryService({ store, scopes, clock, cursorKey: deps.cursorKey, exports: createExportLimiter(deps.exportLimits) }),
    retention: createRetentionService({ store, uow, clock }),
    integrity: createIntegrityService({ store, uow, keyring, clock, scopes, origin: deps.checkpoints?.origin ?? 'bella.local/audit-log', dir: deps.checkpoints?.dir ?? null, webhookUrl: deps.checkpoints?.webhookUrl ?? null, alert: deps.checkpoints?.alert }),
  };
}

export type Services = ReturnType<typeof createServices>;
