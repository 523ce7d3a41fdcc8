import type { RetentionView } from '../contract/api.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { badRequest, forbidden } from '../kernel/errors.js';
import { requireUser } from '../identity/authenticator.js';
import type { Store } from '../store/ports.js';
import { SerialLock } from '../store/serial-lock.js';
import { systemOp } from './recorder.js';
import type { UnitOfWork } from './unit-of-work.js';

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
  readonly store: Pick<Store, 'settings' | 'auditLog' | 'accessLog' | 'ensurePartitions'>;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}

/** The windows in force: the stored settings, or the defaults for any not yet set. */
async function readRetention(store: RetentionDeps['store']): Promise<RetentionWindows> {
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


export interface PurgeReport {
  readonly auditDeleted: number;
  readonly accessDeleted: number;
  readonly auditCutoff: string;
  readonly accessCutoff: string;
}

const DAY_MS = 86_400_000;
/** One purge at a time per store, whoever asks (the scheduler, a test, an admin tool). */
const locks = new WeakMap<object, SerialLock>();
/** Removals not yet recorded because the LogsPurged entry could not be committed; the next run reports them. */
const unrecorded = new WeakMap<object, { audit: number; access: number }>();

const view = (w: RetentionWindows): RetentionView => ({
  auditDays: w.auditDays,
  accessDays: w.accessDays,
  defaults: { ...RETENTION_DEFAULTS },
  floors: { ...RETENTION_FLOORS },
  maximumDays: RETENTION_MAX_DAYS,
});

function requireAdmin(op: OpContext, action: string): void {
  const p = authenticated(op);
  if (p.kind !== 'system' && !requireUser(p).user.admin) throw forbidden(`only an instance admin can ${action} log retention`, 'admin_required');
}

/**
 * Retention of both logs: the windows (set by the instance admin, every change audited as
 * RetentionChanged with old and new values) and the purge, the only code path that deletes log rows.
 */
export function createRetentionService(deps: RetentionDeps) {
  const { store, uow, clock } = deps;
  return {
    async show(op: OpContext): Promise<RetentionView> {
      requireAdmin(op, 'read');
      return view(await readRetention(store));
    },

    /** A lowered window takes effect at the next scheduled purge. */
    async set(op: OpContext, input: Partial<RetentionWindows>): Promise<RetentionView> {
      op.audit.setScope({ resource: 'retention' });
      requireAdmin(op, 'change');
      const problems = retentionProblems(input);
      if (problems.length > 0) throw badRequest(problems.join('; '));
      const next = await uow.run(op, async (tx) => {
        const old = await readRetention(store);
        const w: RetentionWindows = { auditDays: input.auditDays ?? old.auditDays, accessDays: input.accessDays ?? old.accessDays };
        await tx.settings.set(SETTING.auditDays, String(w.auditDays));
        await tx.settings.set(SETTING.accessDays, String(w.accessDays));
        op.audit.record({ event: 'RetentionChanged', resource: 'retention', details: { old, new: w } });
        return w;
      });
      return view(next);
    },

    /**
     * One retention run: prepares log storage ahead (PostgreSQL partitions), removes what is older
     * than each window, and, when anything was removed, records one LogsPurged entry by the System
     * actor. One run at a time per store, whoever asks (the worker, a test, an admin tool).
     */
    purge(): Promise<PurgeReport> {
      let lock = locks.get(store);
      if (!lock) locks.set(store, (lock = new SerialLock()));
      return lock.run(async () => {
        const now = clock();
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
          // Where the Audit Log now starts: the verifier accepts missing entries below this seq as
          // purged (their leaf hashes stay in the tree, so every proof stays valid).
          if (owed.audit > 0) details.auditKeptFromSeq = (await store.auditLog.readAfter(0, 1))[0]?.seq ?? (await store.auditLog.lastSeq()) + 1;
          const op = systemOp({ clock });
          op.audit.record({ event: 'LogsPurged', resource: 'retention', details });
          await uow.run(op);
        }
        unrecorded.delete(store);
        return report;
      });
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
