import type { AccessFilter, AuditFilter, LogCondition, LogFilterBase, LogMatch } from './types.js';

/**
 * Builds the WHERE clause of a log query for either SQL dialect. `ph(i)` renders the i-th placeholder
 * (SQLite: ?, PostgreSQL: $i); `ci(col, p)` renders a case-insensitive equality.
 */
export interface Dialect {
  readonly ph: (index: number) => string;
  readonly ci: (column: string, placeholder: string) => string;
  /**
   * The engine plans without table statistics (SQLite here), so page queries guide it: one branch per
   * project of projectIn, columns kept out of index choice, and INDEXED BY for Denied + events.
   */
  readonly guidePlanner: boolean;
  /**
   * `column` starts with the text bound to `placeholder` (`chars` characters long), compared exactly.
   * SQLite: substr (its LIKE ignores ASCII case); PostgreSQL: LIKE with the wildcards escaped, which
   * its planner estimates from the column's statistics (a substr() expression it would guess at).
   */
  readonly prefix: (column: string, placeholder: string, chars: number) => string;
  /** How the prefix text is bound: PostgreSQL binds the LIKE pattern (escaped, with %), SQLite the text itself */
  readonly prefixParam: (text: string) => string;
}

export interface WhereClause {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * How far (ms) a log row's timestamp may lag behind a row committed before it. Rows are stamped by
 * the server's clock while the request runs and committed by the group committer moments later, so
 * along seq the timestamps never go back by more than a request's duration plus the clock skew
 * between nodes. The page query of an `until` filter uses it to turn the time bound into a seq bound
 * (see untilSeqBound); the `ts < until` predicate itself is always kept, so the bound can only fail
 * to include a row whose timestamp is older than a row committed before it by more than this margin.
 */
export const SEQ_BOUND_MARGIN_MS = 15 * 60_000;

type Push = (v: unknown) => string;

/**
 * Which parts of the filter the caller renders itself (page queries split them into branches), and
 * which columns must not drive the plan: SQLite (which plans without statistics: the server never runs
 * ANALYZE) gets `+column`, which keeps the predicate but takes its indexes out of the planner's choice.
 */
interface Omit {
  readonly actor?: boolean;
  readonly projectIn?: boolean;
  /** a search condition the caller renders as one branch per match */
  readonly condition?: LogCondition;
  readonly noIndex?: ReadonlySet<string>;
}
const col = (name: string, o: Omit): string => (o.noIndex?.has(name) ? `+${name}` : name);

/**
 * The outcome as a literal for the known values: the partial indexes on Denied rows (migration 2) are
 * only usable when the query states `outcome = 'Denied'` literally (a bound parameter does not prove it
 * to SQLite's planner). Anything else stays a parameter.
 */
function outcomeSql(o: string, push: Push, c: string): string {
  return o === 'Denied' || o === 'Success' ? `${c} = '${o}'` : `${c} = ${push(o)}`;
}

function projectInSql(f: LogFilterBase, push: Push, c: string): string {
  const list = (f.projectIn as readonly string[]).map((s) => push(s));
  const inList = list.length > 0 ? `${c} IN (${list.join(', ')})` : 'FALSE';
  return f.includeInstance ? `(${inList} OR ${c} IS NULL)` : inList;
}

function actorSql(f: LogFilterBase, d: Dialect, push: Push): string {
  // One placeholder per use: SQLite's positional ? cannot be referenced twice.
  return `(${d.ci('actor_email', push(f.actor))} OR actor_name = ${push(f.actor)} OR actor_id = ${push(f.actor)})`;
}

export const likeEscape = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * One match. A prefix compares substr(column, 1, n) (characters, exact on both engines, unlike LIKE,
 * which ignores ASCII case on SQLite); a suffix uses LIKE with escapes (request ids, ASCII).
 * On SQLite the column is `+column`: a search term filters the walk that the other filters chose.
 */
function matchSql(m: LogMatch, d: Dialect, push: Push): string {
  const c = d.guidePlanner ? `+${m.column}` : m.column;
  switch (m.op) {
    case 'eq':
      return `${c} = ${push(m.value)}`;
    case 'ieq':
      return d.ci(c, push(m.value));
    case 'prefix': {
      const v = String(m.value);
      return v === '' ? `${c} IS NOT NULL` : d.prefix(c, push(d.prefixParam(v)), [...v].length);
    }
    case 'suffix':
      return `${c} LIKE ${push(`%${likeEscape(String(m.value))}`)} ESCAPE '\\'`;
  }
}

/** A condition: any of its matches; negated, none of them (a NULL column counts as no match). */
export function conditionSql(cond: LogCondition, d: Dialect, push: Push): string {
  if (cond.any.length === 0) return cond.negated ? 'TRUE' : 'FALSE';
  const any = cond.any.map((m) => matchSql(m, d, push)).join(' OR ');
  return cond.negated ? `NOT COALESCE((${any}), FALSE)` : `(${any})`;
}

function base(f: LogFilterBase, d: Dialect, where: string[], push: Push, omit: Omit = {}): void {
  const c = (name: string) => col(name, omit);
  if (f.projectIn !== undefined && !omit.projectIn) where.push(projectInSql(f, push, c('project_slug')));
  if (f.project !== undefined) where.push(`${c('project_slug')} = ${push(f.project)}`);
  if (f.environment !== undefined) where.push(`${c('environment_slug')} = ${push(f.environment)}`);
  if (f.since !== undefined) where.push(`${c('ts')} >= ${push(f.since)}`);
  if (f.until !== undefined) where.push(`${c('ts')} < ${push(f.until)}`);
  if (f.actor !== undefined && !omit.actor) where.push(actorSql(f, d, push));
  if (f.actorType !== undefined) where.push(`actor_type = ${push(f.actorType)}`);
  if (f.client !== undefined) where.push(`client = ${push(f.client)}`);
  if (f.requestId !== undefined) where.push(`request_id = ${push(f.requestId)}`);
  if (f.beforeSeq !== undefined) where.push(`seq < ${push(f.beforeSeq)}`);
  if (f.afterSeq !== undefined) where.push(`seq > ${push(f.afterSeq)}`);
  if (f.id !== undefined) where.push(`id = ${push(f.id)}`);
  for (const cond of f.conditions ?? []) if (cond !== omit.condition) where.push(conditionSql(cond, d, push));
}

function auditConds(f: AuditFilter, d: Dialect, where: string[], push: Push, omit: Omit = {}): void {
  base(f, d, where, push, omit);
  if (f.events !== undefined && f.events.length > 0) where.push(`${col('event', omit)} IN (${f.events.map((e) => push(e)).join(', ')})`);
  if (f.outcome !== undefined) where.push(outcomeSql(f.outcome, push, col('outcome', omit)));
  if (f.resource !== undefined) where.push(`${col('resource', omit)} = ${push(f.resource)}`);
}

function accessConds(f: AccessFilter, d: Dialect, where: string[], push: Push, omit?: Omit): void {
  base(f, d, where, push, omit);
  if (f.method !== undefined) where.push(`method = ${push(f.method)}`);
  if (f.status !== undefined) where.push(`status = ${push(f.status)}`);
  // The path is stored with its query's names (/api/v1/audit-logs?project=&since=): --path matches it with or without them.
  if (f.path !== undefined) where.push(`(path = ${push(f.path)} OR substr(path, 1, ${[...f.path].length + 1}) = ${push(`${f.path}?`)})`);
}

function pusher(d: Dialect, params: unknown[]): Push {
  return (v: unknown) => {
    params.push(v);
    return d.ph(params.length);
  };
}

const whereSql = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '');

/** The exact filter as one WHERE clause (histogram, oldest timestamp, export, counts). */
export function auditWhere(f: AuditFilter, d: Dialect): WhereClause {
  const where: string[] = [];
  const params: unknown[] = [];
  auditConds(f, d, where, pusher(d, params));
  return { sql: whereSql(where), params };
}

export function accessWhere(f: AccessFilter, d: Dialect): WhereClause {
  const where: string[] = [];
  const params: unknown[] = [];
  accessConds(f, d, where, pusher(d, params));
  return { sql: whereSql(where), params };
}

/**
 * `seq < (seq of the first row stamped at or after until + margin)`: an index seek on ts that lets a
 * newest-first walk start where the `until` rows are instead of at the newest row. Only an extra
 * predicate next to `ts < until`, so it never adds a row; it cannot drop one as long as timestamps go
 * back along seq by less than SEQ_BOUND_MARGIN_MS (a row R with ts < until and seq above the anchor
 * row A would have ts(A) - ts(R) > margin with A committed first). No row that late: no bound.
 */
function untilSeqBound(table: string, until: string, push: Push): string | null {
  const ms = Date.parse(until);
  if (!Number.isFinite(ms)) return null;
  const anchor = new Date(ms + SEQ_BOUND_MARGIN_MS).toISOString();
  return `seq < COALESCE((SELECT seq FROM ${table} WHERE ts >= ${push(anchor)} ORDER BY ts LIMIT 1), 9223372036854775807)`;
}

/**
 * `seq >= (seq of the last row stamped before since - margin)`: the mirror of untilSeqBound, so a
 * newest-first walk stops where the `since` rows end instead of at the oldest row (a Denied or
 * request-id search over the last 24 h would otherwise read every Denied row, or the whole log). A row
 * R before that anchor row C in seq has ts(R) <= ts(C) + margin < since, so none is left out.
 */
function sinceSeqBound(table: string, since: string, push: Push): string | null {
  const ms = Date.parse(since);
  if (!Number.isFinite(ms)) return null;
  const anchor = new Date(ms - SEQ_BOUND_MARGIN_MS).toISOString();
  return `seq >= COALESCE((SELECT seq FROM ${table} WHERE ts < ${push(anchor)} ORDER BY ts DESC LIMIT 1), 0)`;
}

/**
 * SQLite walks Denied rows (a partial index) or search conditions newest first, filtering as it goes:
 * with `since` and few matches that walk would read to the oldest row. Only there is the since bound
 * added (PostgreSQL plans these on the ts index from its statistics).
 */
const sparseWalk = (d: Dialect, f: LogFilterBase & { outcome?: string }): boolean =>
  d.guidePlanner && (f.outcome === 'Denied' || (f.conditions !== undefined && f.conditions.length > 0));

type Conds<F> = (f: F, d: Dialect, where: string[], push: Push, omit?: Omit) => void;

/**
 * Columns kept out of SQLite's index choice, so that the index that returns the fewest rows in seq order
 * drives the walk (without statistics SQLite prefers the index with the most equality columns, which
 * is often the least selective one):
 * - in an actor branch, the (actor_x, seq) index (one actor is about 1/1000 of a log);
 * - with `until`, the seq range its bound gives (the ts range would have to be sorted).
 */
function sqliteNoIndex(f: AuditFilter, actorBranch: boolean): Set<string> {
  if (actorBranch) return new Set(['project_slug', 'environment_slug', 'ts', 'event', 'outcome', 'resource']);
  const s = new Set<string>();
  // The seq range their bounds give beats the ts range (which would have to be sorted by seq).
  if (f.until !== undefined || (f.since !== undefined && (f.outcome === 'Denied' || (f.conditions?.length ?? 0) > 0))) s.add('ts');
  return s;
}

/**
 * Denied with events: the partial index audit_denied_event (event, seq, project_slug,
 * environment_slug) WHERE outcome = 'Denied' walks the Denied rows of those events newest first and
 * checks project and environment from the index itself, so only the returned rows are read. SQLite
 * (no statistics) rates the full (event, seq) index the same and would pick it, walking every row of
 * the event; the page query names the partial index with INDEXED BY (SQLite only).
 */
const deniedWithEvents = (f: AuditFilter) => f.outcome === 'Denied' && f.events !== undefined && f.events.length > 0;

/**
 * The page query: newest first, `limit` rows. Filters that one ordered index cannot serve are split
 * into branches, each an ordered, limited walk of its own index (seq DESC LIMIT n), merged by a UNION
 * (which also drops a row matched by two branches) and limited again:
 * - actor (email case-insensitively, name or id): one branch per column when the table has the three
 *   (column, seq) indexes (audit_log); an OR over them would walk the whole log newest first.
 * - projectIn with more than one project, on SQLite: one branch per project (and one for instance
 *   rows) on (project_slug, seq, environment_slug); an IN list OR'ed with IS NULL has to sort every matching row.
 *   PostgreSQL keeps the IN list: its Merge Append over the partitions already reads it in seq order,
 *   and there the UNION's deduplication cost more than it saved (measured at 5 M: 2.9 vs 7.5 ms p50).
 */
function pageSql<F extends LogFilterBase>(table: string, conds: Conds<F>, actorBranches: boolean, f: F, d: Dialect, limit: number): WhereClause {
  const n = Math.trunc(limit);
  const params: unknown[] = [];
  const push = pusher(d, params);
  const one = (branch: ((push: Push) => string) | null, omit: Omit): string => {
    const where: string[] = [];
    if (branch) where.push(branch(push));
    conds(f, d, where, push, omit);
    if (f.until !== undefined) {
      const b = untilSeqBound(table, f.until, push);
      if (b) where.push(b);
    }
    if (f.since !== undefined && sparseWalk(d, f)) {
      const b = sinceSeqBound(table, f.since, push);
      if (b) where.push(b);
    }
    // The limit is a parameter, so the statement text (and a prepared-statement cache) does not grow with it.
    return `SELECT * FROM ${table}${indexedBy} ${whereSql(where)} ORDER BY seq DESC LIMIT ${push(n)}`;
  };
  const branches: ((push: Push) => string)[] = [];
  let omit: Omit = {};
  let orCond: LogCondition | undefined;
  const actorBranch = f.actor !== undefined && actorBranches;
  const noIndex = d.guidePlanner ? sqliteNoIndex(f, actorBranch) : undefined;
  const indexedBy = d.guidePlanner && !actorBranch && table === 'audit_log' && deniedWithEvents(f) && f.requestId === undefined ? ' INDEXED BY audit_denied_event' : '';
  if (actorBranch) {
    const a = f.actor;
    branches.push((p) => d.ci('actor_email', p(a)), (p) => `actor_name = ${p(a)}`, (p) => `actor_id = ${p(a)}`);
    omit = { actor: true, noIndex };
  } else if (f.projectIn !== undefined && d.guidePlanner) {
    const slugs = [...new Set(f.projectIn)];
    for (const s of slugs) branches.push((p) => `project_slug = ${p(s)}`);
    if (f.includeInstance) branches.push(() => 'project_slug IS NULL');
    if (branches.length === 0) branches.push(() => 'FALSE');
    omit = { projectIn: true, noIndex };
  } else if ((orCond = orBranchCondition(table, f, d)) !== undefined) {
    for (const m of orCond.any) branches.push((p) => matchSql(m, d, p));
    omit = { condition: orCond, noIndex };
  } else {
    omit = { noIndex };
  }
  if (branches.length <= 1) return { sql: one(branches[0] ?? null, omit), params };
  const parts = branches.map((b, i) => `SELECT * FROM (${one(b, omit)}) AS b${i}`);
  const sql = `${parts.join(' UNION ')} ORDER BY seq DESC LIMIT ${push(n)}`;
  return { sql, params };
}

/** Audit Log columns with a (column, seq) index on both stores: an equality on one is an ordered walk. */
const SEQ_INDEXED: ReadonlySet<string> = new Set(['resource', 'actor_email', 'actor_id', 'actor_name', 'event', 'outcome', 'client']);

/**
 * On PostgreSQL, a search condition that ORs equalities on several indexed columns (a bare word:
 * resource, actor email, name or id) is split into one branch per column, like the actor filter: the
 * planner cannot walk an OR over four indexes in seq order, and fell back to the whole log (a bare word
 * took 42-46 ms at 5 M entries). SQLite keeps its guided walk (it met the target as it was).
 */
function orBranchCondition(table: string, f: LogFilterBase, d: Dialect): LogCondition | undefined {
  if (d.guidePlanner || table !== 'audit_log') return undefined;
  return (f.conditions ?? []).find(
    (c) => !c.negated && c.any.length > 1 && c.any.every((m) => SEQ_INDEXED.has(m.column) && m.op === (m.column === 'actor_email' ? 'ieq' : 'eq')),
  );
}

/** The whole page query of the Audit Log, newest first: adapters run it as is. */
export function auditPageSql(f: AuditFilter, d: Dialect, limit: number): WhereClause {
  return pageSql('audit_log', auditConds, true, f, d, limit);
}

/**
 * The whole page query of the Access Log, newest first. The actor filter stays one OR here: access_log
 * has no actor index (migration 13 dropped the email and id ones, which an OR with the unindexed name
 * could never use), so the OR filters the newest-first walk; branches would each walk the whole log
 * when their column matches nothing.
 */
export function accessPageSql(f: AccessFilter, d: Dialect, limit: number): WhereClause {
  return pageSql('access_log', accessConds, false, f, d, limit);
}
