import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';

/**
 * Dynamic PostgreSQL credentials: a fresh LOGIN role per lease, created from templates with the
 * provider's admin connection, and removed for good when the lease ends (its sessions cut, what it
 * owns reassigned and dropped, then the role dropped and checked gone).
 */
export const PG_DEFAULT_CREATION = 'CREATE ROLE {{username}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}};';
export const PG_DEFAULT_GRANT =
  'GRANT CONNECT ON DATABASE {{database}} TO {{username}}; GRANT USAGE ON SCHEMA public TO {{username}}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {{username}};';

const ident = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
export const pgDynamicConfig = z.strictObject({
  host: z.string().min(1).max(255).regex(/^[A-Za-z0-9.:_-]+$/, 'a host name or address'),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().regex(ident, 'a database name of letters, digits and _'),
  username: z.string().regex(ident, 'a role name of letters, digits and _'),
  password: z.string().max(1024).default(''),
  ssl: z.enum(['disable', 'require']).default('disable'),
  usernamePrefix: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, '1-16 characters of a-z 0-9 _ starting with a letter').default('bella_'),
  creationStatements: z.string().min(1).max(8192).default(PG_DEFAULT_CREATION),
  grantStatements: z.string().max(8192).default(PG_DEFAULT_GRANT),
  revocationStatements: z.string().max(8192).default(''),
});
export type PgDynamicConfig = z.infer<typeof pgDynamicConfig>;
/** The settings that are secrets: sealed, never shown. */
export const PG_SECRET_FIELDS = ['password'] as const;

export interface IssuedCredential {
  readonly username: string;
  readonly password: string;
}

function client(c: PgDynamicConfig): pg.Client {
  return new pg.Client({
    host: c.host, port: c.port, database: c.database, user: c.username, password: c.password,
    ssl: c.ssl === 'require' ? { rejectUnauthorized: false } : false,
    connectionTimeoutMillis: 5000, query_timeout: 15_000, application_name: 'bella-provider',
  });
}

async function withClient<T>(c: PgDynamicConfig, fn: (cl: pg.Client) => Promise<T>): Promise<T> {
  const cl = client(c);
  cl.on('error', () => undefined);
  await cl.connect();
  try {
    return await fn(cl);
  } finally {
    await cl.end().catch(() => undefined);
  }
}

/** Fills a template: {{username}} and {{database}} as quoted identifiers, {{password}} and {{expiration}} as literals. */
export function render(template: string, cl: Pick<pg.Client, 'escapeIdentifier' | 'escapeLiteral'>, v: { username: string; password: string; expiration: Date; database: string }): string {
  return template
    .replaceAll('{{username}}', cl.escapeIdentifier(v.username))
    .replaceAll('{{database}}', cl.escapeIdentifier(v.database))
    .replaceAll('{{password}}', cl.escapeLiteral(v.password))
    .replaceAll('{{expiration}}', cl.escapeLiteral(v.expiration.toISOString()));
}

/** A database error as a one-line message (PostgreSQL's messages never carry the connection's password). */
export const pgMessage = (e: unknown): string => {
  const err = e as { code?: string; message?: string };
  return `${err.code ? `${err.code} ` : ''}${String(err.message ?? e).split('\n')[0]}`;
};

export const pgDynamic = {
  /** Connects with the admin settings and checks the role may create roles. */
  async check(c: PgDynamicConfig): Promise<void> {
    await withClient(c, async (cl) => {
      const r = await cl.query<{ ok: boolean }>('SELECT rolcreaterole OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user');
      if (!r.rows[0]?.ok) throw new Error(`role ${c.username} may not create roles (it needs CREATEROLE)`);
    });
  },

  /** Creates a fresh role valid until `expiration`; all or nothing. */
  async issue(c: PgDynamicConfig, expiration: Date): Promise<IssuedCredential> {
    const username = `${c.usernamePrefix}${randomBytes(8).toString('hex')}`;
    const password = randomBytes(24).toString('base64url');
    await withClient(c, async (cl) => {
      const v = { username, password, expiration, database: c.database };
      await cl.query('BEGIN');
      try {
        await cl.query(render(c.creationStatements, cl, v));
        if (c.grantStatements.trim() !== '') await cl.query(render(c.grantStatements, cl, v));
        await cl.query('COMMIT');
      } catch (e) {
        await cl.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
    return { username, password };
  },

  /**
   * Removes the role: cuts its sessions, runs the custom revocation statements, reassigns and drops
   * what it owns, drops it, and checks it is gone. Idempotent: a role already gone is success.
   */
  async revoke(c: PgDynamicConfig, username: string): Promise<void> {
    await withClient(c, async (cl) => {
      const exists = async () => (await cl.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount === 1;
      if (!(await exists())) return;
      // No new sessions, then none left.
      await cl.query(`ALTER ROLE ${cl.escapeIdentifier(username)} NOLOGIN`);
      await cl.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [username]);
      const v = { username, password: '', expiration: new Date(), database: c.database };
      await cl.query('BEGIN');
      try {
        if (c.revocationStatements.trim() !== '') await cl.query(render(c.revocationStatements, cl, v));
        await cl.query(`REASSIGN OWNED BY ${cl.escapeIdentifier(username)} TO ${cl.escapeIdentifier(c.username)}`);
        await cl.query(`DROP OWNED BY ${cl.escapeIdentifier(username)}`);
        await cl.query(`DROP ROLE ${cl.escapeIdentifier(username)}`);
        await cl.query('COMMIT');
      } catch (e) {
        await cl.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
      if (await exists()) throw new Error(`role ${username} still exists after DROP ROLE`);
    });
  },

  /** The roles this provider created that exist now (by prefix). */
  async roles(c: PgDynamicConfig): Promise<string[]> {
    return withClient(c, async (cl) => {
      const r = await cl.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname", [c.usernamePrefix]);
      return r.rows.map((x) => x.rolname);
    });
  },
};
