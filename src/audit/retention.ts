import { systemAuditDraft } from './system-entry.js';
import { SerialLock } from '../store/serial-lock.js';
import type { Store } from '../store/types.js';
import type { GroupCommitter } from './committer.js';

/** How long each log keeps its entries, in days. */
export interface RetentionWindows {
  readonly auditDays: number;
  readonly accessDays: number;
}

export const RETENTION_DEFAULTS: RetentionWindows = Object.freeze({ auditDays: 365, accessDays: 90 });
/**
 * The shortest windows an admin may set. The Audit Log is the compliance trail: 30 days means a
 * typo ("3" for "300") cannot erase it. The Access Log is operational: one day is enough to debug.
 */
export const RETENTION_FLOORS: RetentionWindows = Object.freeze({ auditDays: 30, accessDays: 1 });
/** 100 years: longer is "forever", which is spelled by setting a large number, not infinity. */
export const RETENTION_MAX_DAYS = 36_500;

const SETTING = { auditDays: 'retention.auditDays', accessDays: 'retention.accessDays' } as const;
const LABEL = { auditDays: 'Audit Log', accessDays: 'Access Log' } as const;

/** Rows deleted per batch: small enough that a batch holds the SQLite writer for a few milliseconds. */
export const PURGE_BATCH = 500;

export interface RetentionDeps {
  readonly store: Store;
  readonly committer: GroupCommitter;
  readonly clock: () => Date;
}

/** The windows in force: the stored settings, or the defaults for any not yet set. */
export async function readRetention(store: Store): Promise<RetentionWindows> {
  const read = async (k: keyof RetentionWindows) => {
    const v = await store.settings.get(SETTING[k]);
    return v !== null && /^\d+$/.test(v) ? Number(v) : RETENTION_DEFAULTS[k];
  };
  return { auditDays: await read('auditDays'), accessDays: await read('accessDays') };
}

/** Why a requested window is refused (empty when acceptable). Messages name the field, the limit and the value. */
export function retentionProblems(input: Partial<RetentionWindows>): string[] {
  const problems: string[] = [];
  if (input.auditDays === undefined && input.accessDays === undefined) {
    problems.push('send auditDays, accessDays or both (whole numbers of days)');
  }
  for (const k of ['auditDays', 'accessDays'] as const) {
    const v = input[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v)) problems.push(`${k} must be a whole number of days, got ${v}`);
    else if (v < RETENTION_FLOORS[k]) {
      problems.push(`${k} must be at least ${RETENTION_FLOORS[k]} days (the ${LABEL[k]} floor, so a slip cannot erase it); got ${v}`);
    } else if (v > RETENTION_MAX_DAYS) problems.push(`${k} must be at most ${RETENTION_MAX_DAYS} days; got ${v}`);
  }
  return problems;
}

/** Setting rows for a change, to write with the RetentionChanged entry in one unit. */
export function retentionSettings(next: RetentionWindows): [string, string][] {
  return [
    [SETTING.auditDays, String(next.auditDays)],
    [SETTING.accessDays, String(next.accessDays)],
  ];
}

export interface PurgeReport {
  readonly auditDeleted: number;
  readonly accessDeleted: number;
  readonly auditCutoff: string;
  readonly accessCutoff: string;
}

const DAY_MS = 86_400_000;
/** One purge at a time per store, whoever asks (the scheduler, a test, an admin tool). */
const locks = new WeakMap<Store, SerialLock>();
/** Removals not yet recorded because the LogsPurged entry could not be committed; the next run reports them. */
const unrecorded = new WeakMap<Store, { audit: number; access: number }>();

/**
 * One retention run: prepares log storage ahead (PostgreSQL partitions), removes what is older than
 * each window, and, when anything was removed, records one LogsPurged entry by the System actor.
 * This is the only code path that deletes log rows.
 */
export function runPurge(deps: RetentionDeps): Promise<PurgeReport> {
  const { store } = deps;
  let lock = locks.get(store);
  if (!lock) locks.set(store, (lock = new SerialLock()));
  return lock.run(async () => {
    const now = deps.clock();
    await store.ensurePartitions(now.toISOString());
    const w = await readRetention(store);
    const auditCutoff = new Date(now.getTime() - w.auditDays * DAY_MS).toISOString();
    const accessCutoff = new Date(now.getTime() - w.accessDays * DAY_MS).toISOString();
    const earlier = unrecorded.get(store) ?? { audit: 0, access: 0 };
    const auditDeleted = await store.auditLog.purge(auditCutoff, PURGE_BATCH);
    // Counted before the next step can fail, so the removal is reported by a later run at the latest.
    unrecorded.set(store, { audit: earlier.audit + auditDeleted, access: earlier.access });
    const accessDeleted = await store.accessLog.purge(accessCutoff, PURGE_BATCH);
    const owed = { audit: earlier.audit + auditDeleted, access: earlier.access + accessDeleted };
    unrecorded.set(store, owed);
    const report = { auditDeleted, accessDeleted, auditCutoff, accessCutoff };
    // A purge that removed nothing changed nothing: no entry, so hourly no-ops do not bury the trail.
    if (owed.audit + owed.access > 0) {
      const details: Record<string, unknown> = { ...report, auditDays: w.auditDays, accessDays: w.accessDays };
      if (earlier.audit + earlier.access > 0) details.unrecordedEarlier = { auditDeleted: earlier.audit, accessDeleted: earlier.access };
      await deps.committer.submit({
        audit: [systemAuditDraft({ event: 'LogsPurged', resource: 'retention', timestamp: deps.clock().toISOString(), details })],
        access: [],
      });
    }
    unrecorded.delete(store);
    return report;
  });
}

export interface PurgeScheduler {
  /** Resolves once the run in progress (if any) has finished; no run starts afterwards. */
  stop(): Promise<void>;
}

/**
 * Runs a purge now and then every `intervalMs`. A failed run (database down, say) is reported and
 * retried at the next tick; it never stops the schedule or the server.
 */
export function startPurgeScheduler(deps: RetentionDeps, intervalMs: number, onError: (e: unknown) => void): PurgeScheduler {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    current = runPurge(deps).catch(onError);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
