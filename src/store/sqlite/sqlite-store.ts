import Database from 'better-sqlite3';
import type { AccessEntry, AuditEntry } from '../../contract/entries.js';
import { accessPageSql, auditPageSql, type Dialect } from '../log-sql.js';
import { auditHistogramSql, oldestAuditSql, SQLITE_TS_EPOCH_MS } from '../histogram-sql.js';
import type { Outcome } from '../../contract/events.js';
import { ACCESS_COLUMNS, AUDIT_COLUMNS, accessFromRow, accessValues, auditFromRow, auditValues } from '../rows.js';
import type {
  AccessFilter, ApiKeyRow, AuditFilter, EnvironmentRow, MemberRow, ProjectRow, SecretRow, SessionRow, Store, Unit,
  UnitOutcome, UserRow,
} from '../types.js';
import { UniqueViolationError } from '../types.js';
import { SQLITE_MIGRATIONS } from './schema.js';
import { createSqliteTx } from './sqlite-tx.js';
import { SerialLock } from '../serial-lock.js';

/** How long one purge slice may hold the writer (ms): short enough not to stall commits behind it. */
const PURGE_SLICE_MS = 5;

export const SQLITE_DIALECT: Dialect = { ph: () => '?', ci: (col, p) => `${col} = ${p} COLLATE NOCASE`, guidePlanner: true };

export interface SqliteStoreOptions {
  /** Path of the database file */
  readonly file: string;
  /** FULL (default): every commit is fsynced. NORMAL: for benchmarks that show what fsync costs. */
  readonly synchronous?: 'FULL' | 'NORMAL' | 'OFF';
}

type Row = Record<string, unknown>;

/**
 * The embedded default. Two connections to one WAL file: the writer is used only by commitBatch and
 * purges (serialised by a lock), the reader serves every query and so only ever sees committed rows.
 */
export function createSqliteStore(opts: SqliteStoreOptions): Store {
  const writer = new Database(opts.file);
  writer.pragma('journal_mode = WAL');
  writer.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  writer.pragma('foreign_keys = ON');
  writer.pragma('busy_timeout = 5000');
  // Savepoint journals and sort spills stay in memory instead of temp files.
  writer.pragma('temp_store = MEMORY');
  let reader: Database.Database | null = null;
  let tx: ReturnType<typeof createSqliteTx> | null = null;
  const lock = new SerialLock();
  const stmtCache = new Map<string, Database.Statement>();

  const r = (): Database.Database => {
    if (!reader) throw new Error('store not migrated');
    return reader;
  };
  const q = (sql: string): Database.Statement => {
    let st = stmtCache.get(sql);
    if (!st) {
      st = r().prepare(sql);
      stmtCache.set(sql, st);
    }
    return st;
  };
  const one = <T>(sql: string, ...params: unknown[]): T | null => (q(sql).get(...params) as T | undefined) ?? null;
  const all = <T>(sql: string, ...params: unknown[]): T[] => q(sql).all(...params) as T[];

  const nextSeq = (table: 'audit_log' | 'access_log') =>
    writer.prepare(`SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '${table}'), 0) AS s`);
  let insAudit: Database.Statement;
  let insAccess: Database.Statement;
  let seqAudit: Database.Statement;
  let seqAccess: Database.Statement;

  const user = (x: Row | null): UserRow | null =>
    x && {
      id: String(x.id), email: String(x.email), name: String(x.name), passwordHash: String(x.password_hash),
      admin: x.admin === 1, createdAt: String(x.created_at),
    };
  const project = (x: Row | null): ProjectRow | null =>
    x && { id: String(x.id), slug: String(x.slug), name: String(x.name), wrappedKey: x.wrapped_key as Buffer, createdAt: String(x.created_at) };
  const env = (x: Row | null): EnvironmentRow | null =>
    x && { id: String(x.id), projectId: String(x.project_id), slug: String(x.slug), name: String(x.name), createdAt: String(x.created_at) };
  const apiKey = (x: Row | null): ApiKeyRow | null =>
    x && {
      id: String(x.id), projectId: String(x.project_id), environmentId: String(x.environment_id), name: String(x.name),
      role: x.role as ApiKeyRow['role'], secretHash: String(x.secret_hash), wrappedSigningKey: x.wrapped_signing_key as Buffer,
      createdAt: String(x.created_at), createdBy: (x.created_by as string | null) ?? null, revokedAt: (x.revoked_at as string | null) ?? null,
    };
  const secret = (x: Row | null): SecretRow | null =>
    x && {
      id: String(x.id), environmentId: String(x.environment_id), key: String(x.key), version: Number(x.version),
      ciphertext: (x.ciphertext as Buffer | null) ?? null, updatedAt: String(x.updated_at),
      updatedBy: (x.updated_by as string | null) ?? null, deleted: x.deleted === 1,
    };
  const member = (x: Row): MemberRow & { projectId: string } => ({
    projectId: String(x.project_id), userId: String(x.user_id), email: String(x.email), name: String(x.name),
    role: x.role as MemberRow['role'], environmentId: x.environment_id === '' ? null : String(x.environment_id),
  });

  const store: Store = {
    kind: 'sqlite',
    async migrate() {
      const version = writer.pragma('user_version', { simple: true }) as number;
      for (let i = version; i < SQLITE_MIGRATIONS.length; i++) {
        writer.transaction(() => {
          writer.exec(SQLITE_MIGRATIONS[i] as string);
          writer.pragma(`user_version = ${i + 1}`);
        })();
      }
      reader = new Database(opts.file, { readonly: true });
      reader.pragma('busy_timeout = 5000');
      tx = createSqliteTx(writer);
      insAudit = writer.prepare(`INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`);
      insAccess = writer.prepare(`INSERT INTO access_log (${ACCESS_COLUMNS.join(', ')}) VALUES (${ACCESS_COLUMNS.map(() => '?').join(', ')})`);
      seqAudit = nextSeq('audit_log');
      seqAccess = nextSeq('access_log');
    },
    async ensurePartitions() {
      // One table per log, nothing to create ahead of time.
    },
    async close() {
      await lock.run(async () => {
        reader?.close();
        writer.close();
      });
    },
    commitBatch(units: readonly Unit[]) {
      return lock.run(async () => {
        if (!tx) throw new Error('store not migrated');
        const results: UnitOutcome[] = [];
        writer.exec('BEGIN IMMEDIATE');
        try {
          // seq: one past the highest ever used (sqlite_sequence survives purges), so it is gap-free.
          // Read once per batch and carried in memory; a unit that rolls back gives its numbers back.
          const seq: Seqs = { audit: (seqAudit.get() as { s: number }).s, access: (seqAccess.get() as { s: number }).s };
          for (let i = 0; i < units.length; ) {
            let j = i;
            while (j < units.length && !(units[j] as Unit).work) j++;
            if (j - i > 1 && logOnlyGroup(units.slice(i, j), seq)) {
              for (let k = i; k < j; k++) results.push({ ok: true, value: undefined });
              i = j;
              continue;
            }
            results.push(await runUnit(units[i] as Unit, seq));
            i++;
          }
          writer.exec('COMMIT');
        } catch (error) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw error;
        }
        return results;
      });
    },
    probeWritable() {
      return lock.run(async () => {
        writer.exec('BEGIN IMMEDIATE');
        writer.exec('ROLLBACK');
      });
    },
    async getUserByEmail(email) {
      return user(one('SELECT * FROM users WHERE email = ?', email.toLowerCase()));
    },
    async getUserById(id) {
      return user(one('SELECT * FROM users WHERE id = ?', id));
    },
    async listUsers() {
      return all<Row>('SELECT * FROM users ORDER BY email').map((x) => user(x) as UserRow);
    },
    async countUsers() {
      return Number((one<{ n: number }>('SELECT COUNT(*) AS n FROM users') as { n: number }).n);
    },
    async getSession(tokenHash) {
      const x = one<Row>('SELECT * FROM sessions WHERE token_hash = ?', tokenHash);
      return x
        ? ({
            tokenHash: String(x.token_hash), userId: String(x.user_id), createdAt: String(x.created_at),
            expiresAt: String(x.expires_at), revokedAt: (x.revoked_at as string | null) ?? null,
          } satisfies SessionRow)
        : null;
    },
    async getProjectBySlug(slug) {
      return project(one('SELECT * FROM projects WHERE slug = ?', slug));
    },
    async getProjectById(id) {
      return project(one('SELECT * FROM projects WHERE id = ?', id));
    },
    async listProjects() {
      return all<Row>('SELECT * FROM projects ORDER BY slug').map((x) => project(x) as ProjectRow);
    },
    async getEnvironment(projectId, slug) {
      return env(one('SELECT * FROM environments WHERE project_id = ? AND slug = ?', projectId, slug));
    },
    async getEnvironmentById(id) {
      return env(one('SELECT * FROM environments WHERE id = ?', id));
    },
    async listEnvironments(projectId) {
      return all<Row>('SELECT * FROM environments WHERE project_id = ? ORDER BY slug', projectId).map((x) => env(x) as EnvironmentRow);
    },
    async listMembers(projectId) {
      return all<Row>(
        `SELECT m.*, u.email, u.name FROM members m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = ? ORDER BY m.environment_id, u.email`,
        projectId,
      ).map(member);
    },
    async listMembershipsOfUser(userId) {
      return all<Row>(
        'SELECT m.*, u.email, u.name FROM members m JOIN users u ON u.id = m.user_id WHERE m.user_id = ?',
        userId,
      ).map(member);
    },
    async getSecret(environmentId, key, version) {
      if (version !== undefined) {
        return secret(one(
          `SELECT s.id, s.environment_id, s.key, v.version, v.ciphertext, v.created_at AS updated_at, v.created_by AS updated_by, (v.ciphertext IS NULL) AS deleted
           FROM secrets s JOIN secret_versions v ON v.secret_id = s.id
           WHERE s.environment_id = ? AND s.key = ? AND v.version = ?`,
          environmentId, key, version,
        ));
      }
      return secret(
        one(
          `SELECT s.*, v.ciphertext FROM secrets s LEFT JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.version
           WHERE s.environment_id = ? AND s.key = ?`,
          environmentId, key,
        ),
      );
    },
    async listSecretVersions(environmentId, key) {
      return all<Row>(
        `SELECT v.version, v.created_at, v.created_by, (v.ciphertext IS NULL) AS deleted FROM secrets s
         JOIN secret_versions v ON v.secret_id = s.id WHERE s.environment_id = ? AND s.key = ? ORDER BY v.version DESC`,
        environmentId, key,
      ).map((x) => ({ version: Number(x.version), createdAt: String(x.created_at), createdBy: (x.created_by as string | null) ?? null, deleted: x.deleted === 1 }));
    },
    async listSecrets(environmentId) {
      return all<Row>(
        `SELECT s.*, v.ciphertext FROM secrets s JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.version
         WHERE s.environment_id = ? AND s.deleted = 0 ORDER BY s.key`,
        environmentId,
      ).map((x) => secret(x) as SecretRow);
    },
    async getApiKey(id) {
      return apiKey(one('SELECT * FROM api_keys WHERE id = ?', id));
    },
    async listApiKeys(projectId, environmentId) {
      const rows = environmentId
        ? all<Row>('SELECT * FROM api_keys WHERE project_id = ? AND environment_id = ? ORDER BY created_at', projectId, environmentId)
        : all<Row>('SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at', projectId);
      return rows.map((x) => apiKey(x) as ApiKeyRow);
    },
    async getSetting(key) {
      return one<{ value: string }>('SELECT value FROM settings WHERE key = ?', key)?.value ?? null;
    },
    async queryAudit(filter: AuditFilter, limit: number): Promise<AuditEntry[]> {
      const q = auditPageSql(filter, SQLITE_DIALECT, limit);
      return all<Row>(q.sql, ...q.params).map(auditFromRow);
    },
    async queryAccess(filter: AccessFilter, limit: number): Promise<AccessEntry[]> {
      const q = accessPageSql(filter, SQLITE_DIALECT, limit);
      return all<Row>(q.sql, ...q.params).map(accessFromRow);
    },
    async histogramAudit(filter, bucketMs, from) {
      const st = auditHistogramSql(filter, SQLITE_DIALECT, SQLITE_TS_EPOCH_MS, bucketMs, from);
      return all<Row>(st.sql, ...st.params).map((x) => ({ bucket: Number(x.bucket), outcome: x.outcome as Outcome, count: Number(x.count) }));
    },
    async oldestAudit(filter) {
      const st = oldestAuditSql(filter, SQLITE_DIALECT);
      return (all<Row>(st.sql, ...st.params)[0]?.oldest as string | null | undefined) ?? null;
    },
    purgeAudit(olderThan, batchSize) {
      return purge('audit_log', olderThan, batchSize);
    },
    purgeAccess(olderThan, batchSize) {
      return purge('access_log', olderThan, batchSize);
    },
  };

  type Seqs = { audit: number; access: number };

  function insertRows(unit: Unit, seq: Seqs): void {
    for (const e of unit.audit) insAudit.run(...auditValues(++seq.audit, e, e.timestamp));
    for (const e of unit.access) insAccess.run(...accessValues(++seq.access, e, e.timestamp));
  }

  /**
   * Units with no work (a read's audit row and access row) share one savepoint: a savepoint per unit
   * costs SQLite a journal of every page it touches. If the group fails, its units run one by one so
   * only the faulty one fails.
   */
  function logOnlyGroup(group: readonly Unit[], seq: Seqs): boolean {
    const before = { ...seq };
    writer.exec('SAVEPOINT grp');
    try {
      for (const u of group) insertRows(u, seq);
      writer.exec('RELEASE grp');
      return true;
    } catch {
      writer.exec('ROLLBACK TO grp');
      writer.exec('RELEASE grp');
      Object.assign(seq, before);
      return false;
    }
  }

  async function runUnit(unit: Unit, seq: Seqs): Promise<UnitOutcome> {
    const before = { ...seq };
    writer.exec('SAVEPOINT unit');
    try {
      const value = unit.work && tx ? await unit.work(tx) : undefined;
      insertRows(unit, seq);
      writer.exec('RELEASE unit');
      return { ok: true, value };
    } catch (error) {
      writer.exec('ROLLBACK TO unit');
      writer.exec('RELEASE unit');
      Object.assign(seq, before);
      const code = (error as { code?: string }).code ?? '';
      const unique = code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
      return { ok: false, error: unique ? new UniqueViolationError((error as Error).message) : error };
    }
  }

  /**
   * Deletes expired rows in short write transactions, each holding the writer for about
   * PURGE_SLICE_MS, then pauses at least as long as the slice took, so requests' commits interleave
   * and reads never wait long behind a purge.
   */
  async function purge(table: 'audit_log' | 'access_log', olderThan: string, batchSize: number): Promise<number> {
    const del = writer.prepare(`DELETE FROM ${table} WHERE seq IN (SELECT seq FROM ${table} WHERE ts < ? ORDER BY seq LIMIT ?)`);
    let total = 0;
    let size = Math.max(1, Math.min(batchSize, 100));
    for (;;) {
      const started = process.hrtime.bigint();
      const n = await lock.run(async () => del.run(olderThan, size).changes);
      const tookMs = Number(process.hrtime.bigint() - started) / 1e6;
      total += n;
      if (n < size) return total;
      // Grow or shrink the slice toward the time budget, never above the caller's batch size.
      size = Math.max(1, Math.min(batchSize, Math.round((size * PURGE_SLICE_MS) / Math.max(tookMs, 0.1))));
      await new Promise((res) => setTimeout(res, Math.max(1, Math.ceil(tookMs))));
    }
  }

  return store;
}
