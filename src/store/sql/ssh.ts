import type { SshCaRow, SshPort, SshRoleRow, SshTx } from '../ports.js';
import type { Row, SqlDb } from './db.js';

const bytes = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));
/** PostgreSQL returns timestamptz as a Date, SQLite the ISO text it stored. */
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const list = (v: unknown): string[] => JSON.parse(String(v)) as string[];

const caOf = (r: Row): SshCaRow => ({
  environmentId: String(r.environment_id),
  publicKey: bytes(r.public_key),
  sealedPrivateKey: bytes(r.sealed_private_key),
  createdAt: iso(r.created_at),
});

const roleOf = (r: Row): SshRoleRow => ({
  environmentId: String(r.environment_id),
  name: String(r.name),
  allowedPrincipals: list(r.allowed_principals),
  allowEmptyPrincipals: r.allow_empty_principals === true || r.allow_empty_principals === 1,
  defaultExtensions: list(r.default_extensions),
  allowedExtensions: list(r.allowed_extensions),
  criticalOptions: JSON.parse(String(r.critical_options)) as Record<string, string>,
  defaultTtlSeconds: Number(r.default_ttl_seconds),
  maxTtlSeconds: Number(r.max_ttl_seconds),
  createdAt: iso(r.created_at),
  createdBy: (r.created_by as string | null) ?? null,
});

const CA = 'SELECT environment_id, public_key, sealed_private_key, created_at FROM ssh_cas WHERE environment_id = ?';
const ROLE_COLS =
  'environment_id, name, allowed_principals, allow_empty_principals, default_extensions, allowed_extensions, critical_options, default_ttl_seconds, max_ttl_seconds, created_at, created_by';

/** The SSH certificate authorities and their roles (ssh/). */
export function sshPort(db: SqlDb): SshPort {
  return {
    async getCa(environmentId) {
      const r = await db.one(CA, [environmentId]);
      return r ? caOf(r) : null;
    },
    async getRole(environmentId, name) {
      const r = await db.one(`SELECT ${ROLE_COLS} FROM ssh_roles WHERE environment_id = ? AND name = ?`, [environmentId, name]);
      return r ? roleOf(r) : null;
    },
    async listRoles(environmentId) {
      return (await db.all(`SELECT ${ROLE_COLS} FROM ssh_roles WHERE environment_id = ? ORDER BY name`, [environmentId])).map(roleOf);
    },
  };
}

export function sshTx(db: SqlDb): SshTx {
  return {
    async ensureCa(row) {
      await db.run(
        'INSERT INTO ssh_cas (environment_id, public_key, sealed_private_key, next_serial, created_at) VALUES (?, ?, ?, 1, ?) ON CONFLICT (environment_id) DO NOTHING',
        [row.environmentId, row.publicKey, row.sealedPrivateKey, row.createdAt],
      );
      return caOf((await db.one(CA, [row.environmentId])) as Row);
    },
    async nextSerial(environmentId) {
      // The increment takes the row's write lock: two signings in one environment never share a serial.
      await db.run('UPDATE ssh_cas SET next_serial = next_serial + 1 WHERE environment_id = ?', [environmentId]);
      const r = await db.one('SELECT next_serial FROM ssh_cas WHERE environment_id = ?', [environmentId]);
      if (!r) throw new Error(`no SSH CA for environment ${environmentId}`);
      return Number(r.next_serial) - 1;
    },
    async createRole(row) {
      const n = await db.run(
        `INSERT INTO ssh_roles (${ROLE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (environment_id, name) DO NOTHING`,
        [
          row.environmentId, row.name, JSON.stringify(row.allowedPrincipals), row.allowEmptyPrincipals, JSON.stringify(row.defaultExtensions),
          JSON.stringify(row.allowedExtensions), JSON.stringify(row.criticalOptions), row.defaultTtlSeconds, row.maxTtlSeconds, row.createdAt, row.createdBy,
        ],
      );
      return n > 0;
    },
    async deleteRole(environmentId, name) {
      return (await db.run('DELETE FROM ssh_roles WHERE environment_id = ? AND name = ?', [environmentId, name])) > 0;
    },
  };
}
