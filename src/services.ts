import type { UnitOfWork } from './audit/unit-of-work.js';
import { createBackupService } from './audit/backup.js';
import { createExportLimiter, type ExportLimits } from './audit/export-limiter.js';
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
import { hostname } from 'node:os';
import { createStreamRuntime, type StreamRuntime } from './streams/runtime.js';
import { createStreamService } from './streams/stream-service.js';

/** Every domain service, each over the narrow part of the store it uses. */
export function createServices(deps: { readonly store: Store; readonly uow: UnitOfWork; readonly keyring: KeyRing; readonly clock: Clock; readonly cursorKey: Buffer; readonly exportLimits: ExportLimits; readonly tempDir: string; readonly streamRuntime?: StreamRuntime; readonly streamTimeoutMs?: number }) {
  const { store, uow, keyring, clock } = deps;
  const scopes = createScopeResolver({ store });
  const streamRuntime = deps.streamRuntime ?? createStreamRuntime();
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
    backup: createBackupService({ store, uow, tempDir: deps.tempDir }),
    streamRuntime,
    streams: createStreamService({ store, uow, keyring, clock, runtime: streamRuntime, sinkDeps: { hostname: hostname(), fetch: globalThis.fetch }, timeoutMs: deps.streamTimeoutMs ?? 10_000 }),
  };
}

export type Services = ReturnType<typeof createServices>;
