import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { HttpTimeouts } from '../config.js';
import type { Clock } from '../kernel/clock.js';
import type { Authenticator } from '../identity/authenticator.js';
import type { Services } from '../services.js';
import type { Store } from '../store/ports.js';
import type { WorkerHealth } from '../workers/worker.js';

/** What the HTTP layer needs; built once in server.ts (or by a test) and passed to buildApp. */
export interface AppDeps {
  readonly services: Services;
  readonly authenticator: Authenticator;
  readonly uow: UnitOfWork;
  /** For /readyz's write probe only: routes reach data through the services */
  readonly store: Pick<Store, 'kind' | 'probeWritable'>;
  readonly workers: () => Readonly<Record<string, WorkerHealth>>;
  /** Audit Log streams delivered by this node (/readyz lists a failing or retrying one as degraded) */
  readonly streams?: () => Readonly<Record<string, { readonly state: string; readonly retrying: number; readonly lastError: string | null; readonly failingSince: string | null }>>;
  readonly clock: Clock;
  readonly trustedProxies: readonly string[];
  readonly logLevel?: string;
  /** Slow-client limits; the defaults of config.ts when absent */
  readonly timeouts?: HttpTimeouts;
  /** Where the built WebApp lives; null serves no WebApp */
  readonly webRoot?: string | null;
}
