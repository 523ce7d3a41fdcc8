import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createGroupCommitter } from '../src/audit/committer.js';
import { ACCESS_COLUMNS, AUDIT_COLUMNS, accessValues, auditValues } from '../src/store/rows.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store, Unit } from '../src/store/types.js';
import { readUnitRows } from './lib/drafts.js';
import type { Report } from './lib/report.js';
import { tempDir } from './lib/servers.js';

const G = '2 ingest';

export interface IngestOpts {
  /** units (1 audit row + 1 access row each) */
  readonly units: number;
  /** units submitted per event-loop turn (each turn's units form one group-commit batch) */
  readonly perTurn: number;
  /** units in flight at most */
  readonly window: number;
}

/**
 * Benchmark 2: the group committer's append throughput (createGroupCommitter → store.commitBatch,
 * synchronous=FULL) against better-sqlite3 inserting the identical rows with prepared statements
 * into a store built the same way, in transactions of the same size as the committer's batches.
 */
export async function benchIngest(report: Report, o: IngestOpts): Promise<void> {
  const now = new Date().toISOString();
  const rows = Array.from({ length: o.units }, (_, i) => readUnitRows(i + 1, now));

  // --- the committer ---
  const t1 = tempDir('ingest');
  const inner = createSqliteStore({ file: join(t1.dir, 'bella.db') });
  await inner.migrate();
  let batches = 0;
  const store: Store = { ...inner, commitBatch: (u) => ((batches += 1), inner.commitBatch(u)) };
  const committer = createGroupCommitter({ store, now: () => new Date() });
  const tc = performance.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < o.units; i += o.perTurn) {
    const end = Math.min(o.units, i + o.perTurn);
    const turn: Promise<unknown>[] = [];
    for (let j = i; j < end; j++) {
      const r = rows[j] as (typeof rows)[number];
      const unit: Unit = { audit: [r.audit], access: [r.access] };
      turn.push(committer.submit(unit));
    }
    inflight.push(Promise.all(turn));
    if (inflight.length * o.perTurn >= o.window) await inflight.shift();
    else await new Promise((r) => setImmediate(r));
  }
  await Promise.all(inflight);
  await committer.drain();
  const committerS = (performance.now() - tc) / 1000;
  await inner.close();
  t1.remove();
  const meanBatch = o.units / batches;

  // --- raw better-sqlite3, same rows, same schema, transactions of the same size ---
  const raw = async (txUnits: number): Promise<number> => {
    const t = tempDir('ingest-raw');
    const file = join(t.dir, 'bella.db');
    const s = createSqliteStore({ file });
    await s.migrate();
    await s.close();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const insA = db.prepare(`INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`);
    const insC = db.prepare(`INSERT INTO access_log (${ACCESS_COLUMNS.join(', ')}) VALUES (${ACCESS_COLUMNS.map(() => '?').join(', ')})`);
    let seq = 0;
    const batch = db.transaction((from: number, to: number) => {
      for (let j = from; j < to; j++) {
        const r = rows[j] as (typeof rows)[number];
        seq += 1;
        insA.run(...auditValues(seq, r.audit, r.audit.timestamp));
        insC.run(...accessValues(seq, r.access, r.access.timestamp));
      }
    });
    const t0 = performance.now();
    for (let i = 0; i < o.units; i += txUnits) batch(i, Math.min(o.units, i + txUnits));
    const secs = (performance.now() - t0) / 1000;
    db.close();
    t.remove();
    return secs;
  };
  const rawSameS = await raw(Math.max(1, Math.round(meanBatch)));
  const rawOneS = await raw(o.units);

  const rps = (2 * o.units) / committerS;
  const rawRps = (2 * o.units) / rawSameS;
  const oneRps = (2 * o.units) / rawOneS;
  report.extra.ingest = { units: o.units, batches, meanBatchUnits: meanBatch, committerS, rawSameBatchS: rawSameS, rawOneTxS: rawOneS };
  report.add({
    group: G, metric: `SQLite group committer, rows/s (${o.units.toLocaleString('en-US')} units of 1 audit + 1 access row; ${batches} batches of ~${Math.round(meanBatch)})`,
    unit: 'rows/s', value: rps, baseline: rawRps, ratio: rps / rawRps, target: 'ratio >= 0.80', met: rps / rawRps >= 0.8,
    note: 'baseline: better-sqlite3 prepared inserts, same rows, one transaction per committer-sized batch (same fsyncs)',
  });
  report.add({
    group: G, metric: 'SQLite group committer vs one raw transaction for all rows', unit: 'rows/s', value: rps, baseline: oneRps,
    ratio: rps / oneRps, target: 'info', met: null,
  });
}
