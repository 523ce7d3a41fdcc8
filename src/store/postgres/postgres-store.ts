import { auditHistogramSql, oldestAuditSql, POSTGRES_TS_EPOCH_MS } from '../histogram-sql.js';
import type { Outcome } from '../../contract/events.js';
import pg from 'pg';
import type { AccessEntry, AuditEntry } from '../../contract/entries.js';
import { accessPageSql, auditPageSql, type Dialect } from '../log-sql.js';
import { accessFromRow, auditFromRow } from '../rows.js';
import type {
  AccessFilter, ApiKeyRow, AuditFilter, EnvironmentRow, MemberRow, ProjectRow, SecretRow, SessionRow, Store, UserRow,
} from '../types.js';
import { ensurePartitions, purgeLog } from './partitions.js';
import { createPostgresWriter } from './postgres-writer.js';
import { runMigrations } from './schema.js';

export const POSTGRES_DIALECT: Dialect = { ph: (i) => `$${i}`, ci: (col, p) => `lower(${col}) = lower(${p})`, guidePlanner: false };

export interface PostgresStoreOptions {
  readonly url: string;
  /** Connections for reads (the committer has its own); default 10 */
  readonly poolSize?: number;
  /** Shown in pg_stat_activity */
  readonly applicationName?: string;
  /**
   * A statement unanswered after this long fails (default 20 s): a database that silently stopped
   * answering turns into 503s instead of requests hanging. Long enough to outlast another node's
   * batch holding the log_seq lock.
   */
  readonly queryTimeoutMs?: number;
  /** Clock used to create partitions ahead at migrate(); default real time */
  readonly now?: () => Date;
}

type Row = Record<string, unknown>;
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));

const user = (x: Row | undefined): UserRow | null =>
  x ? { id: String(x.id), email: String(x.email), name: String(x.name), passwordHash: String(x.password_hash), admin: x.admin === true, createdAt: iso(x.created_at) } : null;
const project = (x: Row | undefined): ProjectRow | null =>
  x ? { id: String(x.id), slug: String(x.slug), name: String(x.name), wrappedKey: x.wrapped_key as Buffer, createdAt: iso(x.created_at) } : null;
const env = (x: Row | undefined): EnvironmentRow | null =>
  x ? { id: String(x.id), projectId: String(x.project_id), slug: String(x.slug), name: String(x.name), createdAt: iso(x.created_at) } : null;
const apiKey = (x: Row | undefined): ApiKeyRow | null =>
  x
    ? {
        id: String(x.id), projectId: String(x.project_id), environmentId: String(x.environment_id), name: String(x.name),
        role: x.role as ApiKeyRow['role'], secretHash: String(x.secret_hash), wrappedSigningKey: x.wrapped_signing_key as Buffer,
        createdAt: iso(x.created_at), createdBy: (x.created_by as string | null) ?? null, revokedAt: isoOrNull(x.revoked_at),
      }
    : null;
const secret = (x: Row | undefined): SecretRow | null =>
  x
    ? {
        id: String(x.id), environmentId: String(x.environment_id), key: String(x.key), version: Number(x.version),
        ciphertext: (x.ciphertext as Buffer | null) ?? null, updatedAt: iso(x.updated_at),
        updatedBy: (x.updated_by as string | null) ?? null, deleted: x.deleted === true,
      }
    : null;
const member = (x: Row): MemberRow & { projectId: string } => ({
  projectId: String(x.project_id), userId: String(x.user_id), email: String(x.email), name: String(x.name),
  role: x.role as MemberRow['role'], environmentId: x.environment_id === '' ? null : String(x.environment_id),
});

/**
 * The multi-node adapter. Reads go through a pool and see only committed rows; every write goes
 * through commitBatch on the writer's one dedicated connection. Both reconnect by themselves.
 */
export function createPostgresStore(opts: PostgresStoreOptions): Store {
  const applicationName = opts.applicationName ?? 'bella-server';
  const queryTimeoutMs = opts.queryTimeoutMs ?? 20_000;
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    application_name: applicationName,
    connectionTimeoutMillis: Math.min(5000, queryTimeoutMs),
    query_timeout: queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle pooled connection that breaks is discarded by the pool; without a listener it would crash the process.
  pool.on('error', () => undefined);
  const writer = createPostgresWriter({ url: opts.url, applicationName: `${applicationName} committer`, queryTimeoutMs });

  const rows = async (sql: string, params: unknown[] = []): Promise<Row[]> => (await pool.query(sql, params)).rows as Row[];
  const first = async (sql: string, params: unknown[]): Promise<Row | undefined> => (await rows(sql, params))[0];

  const withClient = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    // Checked out, the client's socket errors are ours to handle (the pool listens only while it is idle).
    const ignore = () => undefined;
    c.on('error', ignore);
    try {
      const v = await fn(c);
      c.off('error', ignore);
      c.release();
      return v;
    } catch (e) {
      c.off('error', ignore);
      c.release(e as Error);
      throw e;
    }
  };

  return {
    kind: 'postgres',
    async migrate() {
      await withClient(async (c) => {
        await runMigrations(c);
        await ensurePartitions(c, (opts.now ?? (() => new Date()))());
      });
    },
    async ensurePartitions(now) {
      await withClient((c) => ensurePartitions(c, new Date(now)));
    },
    async close() {
      await writer.close();
      await pool.end();
    },
    commitBatch: (units) => writer.commitBatch(units),
    probeWritable: () => writer.probeWritable(),

    getUserByEmail: async (email) => user(await first('SELECT * FROM users WHERE email = $1', [email.toLowerCase()])),
    getUserById: async (id) => user(await first('SELECT * FROM users WHERE id = $1', [id])),
    listUsers: async () => (await rows('SELECT * FROM users ORDER BY email COLLATE "C"')).map((x) => user(x) as UserRow),
    countUsers: async () => Number((await first('SELECT count(*) AS n FROM users', []))?.n ?? 0),
    async getSession(tokenHash) {
      const x = await first('SELECT * FROM sessions WHERE token_hash = $1', [tokenHash]);
      return x
        ? ({
            tokenHash: String(x.token_hash), userId: String(x.user_id), createdAt: iso(x.created_at),
            expiresAt: iso(x.expires_at), revokedAt: isoOrNull(x.revoked_at),
          } satisfies SessionRow)
        : null;
    },
    getProjectBySlug: async (slug) => project(await first('SELECT * FROM projects WHERE slug = $1', [slug])),
    getProjectById: async (id) => project(await first('SELECT * FROM projects WHERE id = $1', [id])),
    listProjects: async () => (await rows('SELECT * FROM projects ORDER BY slug COLLATE "C"')).map((x) => project(x) as ProjectRow),
    getEnvironment: async (projectId, slug) =>
      env(await first('SELECT * FROM environments WHERE project_id = $1 AND slug = $2', [projectId, slug])),
    getEnvironmentById: async (id) => env(await first('SELECT * FROM environments WHERE id = $1', [id])),
    listEnvironments: async (projectId) =>
      (await rows('SELECT * FROM environments WHERE project_id = $1 ORDER BY slug COLLATE "C"', [projectId])).map((x) => env(x) as EnvironmentRow),
    listMembers: async (projectId) =>
      (
        await rows(
          `SELECT m.*, u.email, u.name FROM members m JOIN users u ON u.id = m.user_id
           WHERE m.project_id = $1 ORDER BY m.environment_id COLLATE "C", u.email COLLATE "C"`,
          [projectId],
        )
      ).map(member),
    listMembershipsOfUser: async (userId) =>
      (await rows('SELECT m.*, u.email, u.name FROM members m JOIN users u ON u.id = m.user_id WHERE m.user_id = $1', [userId])).map(member),
    getSecret: async (environmentId, key, version) =>
      version !== undefined
        ? secret(await first(`SELECT s.id, s.environment_id, s.key, v.version, v.ciphertext, v.created_at AS updated_at, v.created_by AS updated_by, (v.ciphertext IS NULL) AS deleted
           FROM secrets s JOIN secret_versions v ON v.secret_id = s.id
           WHERE s.environment_id = $1 AND s.key = $2 AND v.version = $3`, [environmentId, key, version]))
        : secret(
        await first(
          `SELECT s.*, v.ciphertext FROM secrets s LEFT JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.version
           WHERE s.environment_id = $1 AND s.key = $2`,
          [environmentId, key],
        ),
      ),
    listSecretVersions: async (environmentId, key) =>
      (
        await rows(
          `SELECT v.version, v.created_at, v.created_by, (v.ciphertext IS NULL) AS deleted FROM secrets s
           JOIN secret_versions v ON v.secret_id = s.id WHERE s.environment_id = $1 AND s.key = $2 ORDER BY v.version DESC`,
          [environmentId, key],
        )
      ).map((x) => ({ version: Number(x.version), createdAt: iso(x.created_at), createdBy: (x.created_by as string | null) ?? null, deleted: x.deleted === true })),
    listSecrets: async (environmentId) =>
      (
        await rows(
          `SELECT s.*, v.ciphertext FROM secrets s JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.version
           WHERE s.environment_id = $1 AND NOT s.deleted ORDER BY s.key COLLATE "C"`,
          [environmentId],
        )
      ).map((x) => secret(x) as SecretRow),
    getApiKey: async (id) => apiKey(await first('SELECT * FROM api_keys WHERE id = $1', [id])),
    async listApiKeys(projectId, environmentId) {
      const xs = environmentId
        ? await rows('SELECT * FROM api_keys WHERE project_id = $1 AND environment_id = $2 ORDER BY created_at', [projectId, environmentId])
        : await rows('SELECT * FROM api_keys WHERE project_id = $1 ORDER BY created_at', [projectId]);
      return xs.map((x) => apiKey(x) as ApiKeyRow);
    },
    getSetting: async (key) => {
      const x = await first('SELECT value FROM settings WHERE key = $1', [key]);
      return x ? String(x.value) : null;
    },
    async queryAudit(filter: AuditFilter, limit: number): Promise<AuditEntry[]> {
      const q = auditPageSql(filter, POSTGRES_DIALECT, limit);
      return (await rows(q.sql, q.params)).map(auditFromRow);
    },
    async queryAccess(filter: AccessFilter, limit: number): Promise<AccessEntry[]> {
      const q = accessPageSql(filter, POSTGRES_DIALECT, limit);
      return (await rows(q.sql, q.params)).map(accessFromRow);
    },
    async histogramAudit(filter, bucketMs, from) {
      const st = auditHistogramSql(filter, POSTGRES_DIALECT, POSTGRES_TS_EPOCH_MS, bucketMs, from);
      return (await rows(st.sql, st.params)).map((x) => ({ bucket: Number(x.bucket), outcome: x.outcome as Outcome, count: Number(x.count) }));
    },
    async oldestAudit(filter) {
      const st = oldestAuditSql(filter, POSTGRES_DIALECT);
      const x = await first(st.sql, st.params);
      return x?.oldest ? new Date(x.oldest as string | Date).toISOString() : null;
    },
    purgeAudit: (olderThan, batchSize) => purgeLog(pool, 'audit_log', olderThan, batchSize),
    purgeAccess: (olderThan, batchSize) => purgeLog(pool, 'access_log', olderThan, batchSize),
  };
}
