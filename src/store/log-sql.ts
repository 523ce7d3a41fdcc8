import type { AccessFilter, AuditFilter, LogFilterBase } from './types.js';

/**
 * Builds the WHERE clause of a log query for either SQL dialect. `ph(i)` renders the i-th placeholder
 * (SQLite: ?, PostgreSQL: $i); `ci(col, p)` renders a case-insensitive equality.
 */
export interface Dialect {
  readonly ph: (index: number) => string;
  readonly ci: (column: string, placeholder: string) => string;
}

export interface WhereClause {
  readonly sql: string;
  readonly params: unknown[];
}

function base(f: LogFilterBase, d: Dialect, where: string[], params: unknown[]): void {
  const p = (v: unknown) => {
    params.push(v);
    return d.ph(params.length);
  };
  if (f.projectIn !== undefined) {
    const list = f.projectIn.map((s) => p(s));
    const inList = list.length > 0 ? `project_slug IN (${list.join(', ')})` : 'FALSE';
    where.push(f.includeInstance ? `(${inList} OR project_slug IS NULL)` : inList);
  }
  if (f.project !== undefined) where.push(`project_slug = ${p(f.project)}`);
  if (f.environment !== undefined) where.push(`environment_slug = ${p(f.environment)}`);
  if (f.since !== undefined) where.push(`ts >= ${p(f.since)}`);
  if (f.until !== undefined) where.push(`ts < ${p(f.until)}`);
  if (f.actor !== undefined) {
    // One placeholder per use: SQLite's positional ? cannot be referenced twice.
    where.push(`(${d.ci('actor_email', p(f.actor))} OR actor_name = ${p(f.actor)} OR actor_id = ${p(f.actor)})`);
  }
  if (f.actorType !== undefined) where.push(`actor_type = ${p(f.actorType)}`);
  if (f.requestId !== undefined) where.push(`request_id = ${p(f.requestId)}`);
  if (f.beforeSeq !== undefined) where.push(`seq < ${p(f.beforeSeq)}`);
}

export function auditWhere(f: AuditFilter, d: Dialect): WhereClause {
  const where: string[] = [];
  const params: unknown[] = [];
  base(f, d, where, params);
  const p = (v: unknown) => {
    params.push(v);
    return d.ph(params.length);
  };
  if (f.events !== undefined && f.events.length > 0) where.push(`event IN (${f.events.map((e) => p(e)).join(', ')})`);
  if (f.outcome !== undefined) where.push(`outcome = ${p(f.outcome)}`);
  if (f.resource !== undefined) where.push(`resource = ${p(f.resource)}`);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export function accessWhere(f: AccessFilter, d: Dialect): WhereClause {
  const where: string[] = [];
  const params: unknown[] = [];
  base(f, d, where, params);
  const p = (v: unknown) => {
    params.push(v);
    return d.ph(params.length);
  };
  if (f.method !== undefined) where.push(`method = ${p(f.method)}`);
  if (f.status !== undefined) where.push(`status = ${p(f.status)}`);
  if (f.path !== undefined) where.push(`path = ${p(f.path)}`);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** The whole page query of the Audit Log, newest first: adapters run it as is. */
export function auditPageSql(f: AuditFilter, d: Dialect, limit: number): WhereClause {
  const w = auditWhere(f, d);
  return { sql: `SELECT * FROM audit_log ${w.sql} ORDER BY seq DESC LIMIT ${Math.trunc(limit)}`, params: w.params };
}

/** The whole page query of the Access Log, newest first. */
export function accessPageSql(f: AccessFilter, d: Dialect, limit: number): WhereClause {
  const w = accessWhere(f, d);
  return { sql: `SELECT * FROM access_log ${w.sql} ORDER BY seq DESC LIMIT ${Math.trunc(limit)}`, params: w.params };
}
