import type { StreamChange, StreamPort, StreamsTx } from '../ports.js';
import type { StreamRow } from '../types.js';
import type { Row, SqlDb } from './db.js';

/** audit_streams: configuration (JSON text), sealed secrets, the delivery cursor and counters. Times are ISO text. */
function streamFromRow(x: Row): StreamRow {
  const buf = x.sealed_secrets;
  return {
    id: x.id as string,
    name: x.name as string,
    projectSlug: (x.project_slug as string | null) ?? null,
    sinkKind: x.sink_kind as string,
    settings: JSON.parse(x.settings as string) as Record<string, unknown>,
    sealedSecrets: buf === null || buf === undefined ? null : Buffer.from(buf as Uint8Array),
    filter: JSON.parse(x.filter as string) as Record<string, unknown>,
    format: x.format as string,
    heartbeatSeconds: Number(x.heartbeat_seconds),
    state: x.state as StreamRow['state'],
    cursor: Number(x.cursor),
    delivered: Number(x.delivered),
    lastSuccessAt: (x.last_success_at as string | null) ?? null,
    lastError: (x.last_error as string | null) ?? null,
    lastErrorAt: (x.last_error_at as string | null) ?? null,
    failingSince: (x.failing_since as string | null) ?? null,
    createdAt: x.created_at as string,
    createdBy: (x.created_by as string | null) ?? null,
    updatedAt: x.updated_at as string,
  };
}

export function streamsPort(db: SqlDb): StreamPort {
  return {
    list: async () => (await db.all('SELECT * FROM audit_streams ORDER BY name')).map(streamFromRow),
    getByName: async (name) => {
      const x = await db.one('SELECT * FROM audit_streams WHERE name = ?', [name]);
      return x && streamFromRow(x);
    },
  };
}

const COLUMNS: Readonly<Record<keyof StreamChange, string>> = {
  settings: 'settings',
  sealedSecrets: 'sealed_secrets',
  filter: 'filter',
  format: 'format',
  heartbeatSeconds: 'heartbeat_seconds',
  state: 'state',
  lastError: 'last_error',
  lastErrorAt: 'last_error_at',
  failingSince: 'failing_since',
  updatedAt: 'updated_at',
};

export function streamsTx(db: SqlDb): StreamsTx {
  return {
    async insert(s) {
      await db.run(
        `INSERT INTO audit_streams (id, name, project_slug, sink_kind, settings, sealed_secrets, filter, format, heartbeat_seconds, state, cursor,
           delivered, last_success_at, last_error, last_error_at, failing_since, created_at, created_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [s.id, s.name, s.projectSlug, s.sinkKind, JSON.stringify(s.settings), s.sealedSecrets, JSON.stringify(s.filter), s.format, s.heartbeatSeconds,
          s.state, s.cursor, s.delivered, s.lastSuccessAt, s.lastError, s.lastErrorAt, s.failingSince, s.createdAt, s.createdBy, s.updatedAt],
      );
    },
    getByName: async (name) => {
      const x = await db.one('SELECT * FROM audit_streams WHERE name = ?', [name]);
      return x && streamFromRow(x);
    },
    async update(id, change) {
      const keys = (Object.keys(change) as (keyof StreamChange)[]).filter((k) => change[k] !== undefined);
      if (keys.length === 0) return (await db.one('SELECT id FROM audit_streams WHERE id = ?', [id])) !== null;
      const values = keys.map((k) => (k === 'settings' || k === 'filter' ? JSON.stringify(change[k]) : change[k]));
      return (await db.run(`UPDATE audit_streams SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`, [...values, id])) > 0;
    },
    delete: async (id) => (await db.run('DELETE FROM audit_streams WHERE id = ?', [id])) > 0,
    advance: async (id, from, to, delivered, at) =>
      (await db.run(
        'UPDATE audit_streams SET cursor = ?, delivered = delivered + ?, last_success_at = COALESCE(?, last_success_at) WHERE id = ? AND cursor = ?',
        [to, delivered, at, id, from],
      )) > 0,
    claim: async (id, owner, now, until) =>
      (await db.run('UPDATE audit_streams SET lease_owner = ?, lease_until = ? WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)', [owner, until, id, owner, now])) > 0,
    async release(id, owner) {
      await db.run('UPDATE audit_streams SET lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?', [id, owner]);
    },
    setCursor: async (id, cursor, at) => (await db.run('UPDATE audit_streams SET cursor = ?, updated_at = ? WHERE id = ?', [cursor, at, id])) > 0,
  };
}
