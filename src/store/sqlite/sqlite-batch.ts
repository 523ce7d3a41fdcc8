import type Database from 'better-sqlite3';
import { ACCESS_COLUMNS, AUDIT_COLUMNS } from '../rows.js';
import type { StoreTx } from '../ports.js';
import type { BatchConnection } from '../batch-runner.js';
import { auditTreeTx } from '../sql/audit-tree.js';
import { sqliteDb } from './sqlite-db.js';

/**
 * The SQLite side of the unit of work: BEGIN IMMEDIATE takes the database's one write lock, seq is
 * one past the highest ever used (sqlite_sequence survives purges). After COMMIT, `committed` starts
 * the WAL's flush (see wal-flush.ts); the store waits for it before the batch resolves. Statements
 * are prepared once.
 */
export function sqliteBatch(writer: Database.Database, tx: StoreTx, committed: () => void): BatchConnection {
  const insert = (table: string, cols: readonly string[]) =>
    writer.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  const insAudit = insert('audit_log', AUDIT_COLUMNS);
  const insAccess = insert('access_log', ACCESS_COLUMNS);
  const seqOf = writer.prepare(`SELECT name, seq FROM sqlite_sequence WHERE name IN ('audit_log', 'access_log')`);
  return {
    async begin() {
      writer.exec('BEGIN IMMEDIATE');
      const rows = seqOf.all() as { name: string; seq: number }[];
      const of = (n: string) => Number(rows.find((r) => r.name === n)?.seq ?? 0);
      return { audit: of('audit_log'), access: of('access_log') };
    },
    savepoint: async (name) => void writer.exec(`SAVEPOINT ${name}`),
    release: async (name) => void writer.exec(`RELEASE ${name}`),
    rollbackTo: async (name) => void writer.exec(`ROLLBACK TO ${name}`),
    async insertAudit(rows) {
      for (const r of rows) insAudit.run(...r);
    },
    async insertAccess(rows) {
      for (const r of rows) insAccess.run(...r);
    },
    // AUTOINCREMENT keeps sqlite_sequence at the highest seq inserted: nothing else to store.
    async commit() {
      writer.exec('COMMIT');
      committed();
    },
    async abort() {
      if (writer.inTransaction) writer.exec('ROLLBACK');
    },
    isUniqueViolation(error) {
      const code = (error as { code?: string }).code ?? '';
      return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    },
    tx,
    tree: auditTreeTx(sqliteDb(() => writer)),
  };
}
