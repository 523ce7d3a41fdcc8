import type { Principal } from '../kernel/context.js';

/** How many exports may stream at once on this node: per caller and in all (config.ts: BELLA_EXPORTS_PER_CALLER, BELLA_EXPORTS_TOTAL). */
export interface ExportLimits {
  readonly perCaller: number;
  readonly total: number;
}

/** A held export slot; release is idempotent (stream end, stream error and client disconnect all call it). */
export interface ExportSlot {
  release(): void;
}

export type ExportRefusal = 'per_caller' | 'total';

/** The caller an export is counted against: the user, the API key, else the actor's type and id. */
export function callerKey(p: Principal): string {
  if (p.kind === 'user') return `user:${p.user.id}`;
  if (p.kind === 'apiKey') return `apiKey:${p.apiKey.id}`;
  return `${p.actor.type}:${p.actor.id ?? ''}`;
}

/**
 * Counts the exports that stream at once, per caller and in all, so a few callers cannot hold every
 * connection and the event loop with long exports. In-process: each server node has its own counts.
 */
export function createExportLimiter(limits: ExportLimits) {
  const byCaller = new Map<string, number>();
  let total = 0;
  const waiting: (() => void)[] = [];
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    waiting.shift()?.();
    if (waiting.length > 0) {
      scheduled = true;
      setImmediate(pump);
    }
  };
  return {
    limits,
    /**
     * Resolves when it is this export's turn to read and serialise its next page: one page of one
     * export per event-loop turn, all exports taking turns. A page is synchronous work (SQLite reads,
     * CSV); with a setImmediate per export, every export's page would run in the same turn, so eight
     * exports would hold the loop for eight pages at a time and /healthz would wait that long at each
     * of the several turns a request needs.
     */
    turn(): Promise<void> {
      return new Promise((resolve) => {
        waiting.push(resolve);
        if (!scheduled) {
          scheduled = true;
          setImmediate(pump);
        }
      });
    },
    /** A slot, or which cap refused it. */
    acquire(caller: string): ExportSlot | ExportRefusal {
      const mine = byCaller.get(caller) ?? 0;
      if (mine >= limits.perCaller) return 'per_caller';
      if (total >= limits.total) return 'total';
      byCaller.set(caller, mine + 1);
      total++;
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          total--;
          const n = (byCaller.get(caller) ?? 1) - 1;
          if (n <= 0) byCaller.delete(caller);
          else byCaller.set(caller, n);
        },
      };
    },
    /** Exports streaming now (tests, health). */
    active(): { readonly total: number; readonly callers: number } {
      return { total, callers: byCaller.size };
    },
  };
}

export type ExportLimiter = ReturnType<typeof createExportLimiter>;
