import type { UnitOfWork } from './audit/unit-of-work.js';
import { createBackupService } from './audit/backup.js';
import { createExportLimiter, type ExportLimits } from './audit/export-limiter.js';
import { createIntegrityService } from './audit/integrity-service.js';
import { createLogQueryService } from './audit/log-query-service.js';
import { createRetentionService } from './audit/retention.js';
import { createApiKeyService } from './identity/api-key-service.js';
import { createLeaseService } from './identity/leases/lease-service.js';
import { createIssuerKeys } from './identity/trust/issuer-keys.js';
import { createTokenExchangeService } from './identity/trust/token-exchange-service.js';
import { createTrustDomainService } from './identity/trust/trust-domain-service.js';
import type { OidcConfig } from './config.js';
import { createSessionService } from './identity/session-service.js';
import { createLoginThrottle } from './identity/throttle.js';
import { createUserService } from './identity/user-service.js';
import type { Clock } from './kernel/clock.js';
import { createMemberService } from './projects/member-service.js';
import { createProjectService } from './projects/project-service.js';
import { createScopeResolver } from './projects/scope.js';
import type { KeyRing } from './secrets/envelope.js';
import { createSecretService } from './secrets/secret-service.js';
import { createSshService } from './ssh/ssh-service.js';
import { createProviderService } from './secrets/provider-service.js';
import { createCredentialLeaseService } from './secrets/credential-lease-service.js';
import type { Store } from './store/ports.js';
import { hostname } from 'node:os';
import { createStreamRuntime, type StreamRuntime } from './streams/runtime.js';
import { createStreamService } from './streams/stream-service.js';
import { createReportService } from './reports/report-service.js';
import { createAccessReviewService } from './reports/access-review-service.js';
import { createSubjectService } from './reports/subject-service.js';

/** Every domain service, each over the narrow part of the store it uses. */
export function createServices(deps: {
  readonly store: Store; readonly uow: UnitOfWork; readonly keyring: KeyRing; readonly clock: Clock; readonly cursorKey: Buffer; readonly exportLimits: ExportLimits;
  /** Where online backups are written before they are streamed (the data dir) */
  readonly tempDir: string;
  readonly oidc?: OidcConfig;
  /** Checkpoint origin and publication directory (config.ts); tests may leave them out */
  readonly checkpoints?: { readonly origin: string; readonly dir: string | null; readonly webhookUrl?: string | null; readonly alert?: (message: string) => void };
  readonly streamRuntime?: StreamRuntime;
  readonly streamTimeoutMs?: number;
}) {
  const { store, uow, keyring, clock } = deps;
  const scopes = createScopeResolver({ store });
  const providers = createProviderService({ store, scopes, keyring, uow, clock });
  const oidc = deps.oidc ?? { allowHttpLoopback: true, jwksCooldownSeconds: 30 };
  const issuerKeys = createIssuerKeys({ clock, allowHttpLoopback: oidc.allowHttpLoopback, cooldownSeconds: oidc.jwksCooldownSeconds });
  const streamRuntime = deps.streamRuntime ?? createStreamRuntime();
  const integrity = createIntegrityService({ store, uow, keyring, clock, scopes, origin: deps.checkpoints?.origin ?? 'bella.local/audit-log', dir: deps.checkpoints?.dir ?? null, webhookUrl: deps.checkpoints?.webhookUrl ?? null, alert: deps.checkpoints?.alert });
  const members = createMemberService({ store, scopes, uow, clock });
  const apiKeys = createApiKeyService({ store, scopes, keyring, uow, clock });
  const trustDomains = createTrustDomainService({ store, scopes, uow, clock, allowHttpLoopback: oidc.allowHttpLoopback });
  return {
    scopes,
    secrets: createSecretService({ store, scopes, keyring, uow, clock }),
    projects: createProjectService({ store, scopes, keyring, uow, clock }),
    members,
    users: createUserService({ store, uow, clock }),
    sessions: createSessionService({ store, uow, clock, throttle: createLoginThrottle() }),
    apiKeys,
    leases: createLeaseService({ store, scopes, uow, clock }),
    trustDomains,
    tokenExchange: createTokenExchangeService({ store, uow, clock, keys: issuerKeys }),
    logs: createLogQueryService({ store, scopes, clock, cursorKey: deps.cursorKey, exports: createExportLimiter(deps.exportLimits) }),
    retention: createRetentionService({ store, uow, clock }),
    ssh: createSshService({ store, scopes, keyring, uow, clock }),
    providers,
    credentialLeases: createCredentialLeaseService({ store, scopes, providers, uow, clock }),
    backup: createBackupService({ store, uow, tempDir: deps.tempDir }),
    integrity,
    reports: createReportService({ store, uow, clock, scopes, integrity }),
    subjects: createSubjectService({ store, uow, clock, scopes, integrity, keyring }),
    accessReviews: createAccessReviewService({ store, uow, clock, scopes, members, apiKeys, trustDomains }),
    streamRuntime,
    streams: createStreamService({ store, uow, keyring, clock, runtime: streamRuntime, sinkDeps: { hostname: hostname(), fetch: globalThis.fetch }, timeoutMs: deps.streamTimeoutMs ?? 10_000 }),
  };
}

export type Services = ReturnType<typeof createServices>;
