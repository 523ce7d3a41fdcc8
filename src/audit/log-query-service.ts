import { stringify } from 'csv-stringify/sync';
import { cellOf, neutralizeCell } from '../contract/csv.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type ExportFormat } from '../contract/log-query.js';
import { parseTimeBound, TIME_FORMS_HELP } from '../contract/time.js';
import type { Clock } from '../kernel/clock.js';
import type { OpContext } from '../kernel/context.js';
import { badRequest, DomainError, notFound } from '../kernel/errors.js';
import { tailLog } from './log-tail.js';
import { redactFilters } from '../contract/query-redaction.js';
import { escapeJsonText, visibleEscape } from '../contract/text-safety.js';
import { callerKey, type ExportLimiter } from './export-limiter.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { Store } from '../store/ports.js';
import type { AuditFilter, LogFilterBase } from '../store/types.js';
import { computeHistogram } from './audit-histogram.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { AUDIT_LOG, type LogKind, type LogQueryBase } from './log-kinds.js';
import { logReadScope } from './log-read-scope.js';
import { applySearch, liftedSlug, parseSearchParam } from './log-search-filter.js';
import type { HistogramResponse } from '../contract/api.js';
import type { AuditQueryParams } from '../contract/log-query.js';

/** Rows per page: a page is read and serialised without yielding, so it bounds how long an export holds the loop (a few ms). */
const EXPORT_PAGE = 250;
/** What a refused export is told to wait: exports are long, so a short retry would only be refused again. */
const EXPORT_RETRY_SECONDS = 5;
/** RFC 4180: CRLF line ends, the same bytes as `bella audit list -o csv`. */
const CSV_OPTS = { record_delimiter: 'windows' } as const;

export interface ExportQuery {
  readonly format: ExportFormat;
  readonly limit?: number;
  readonly neutralize: 'true' | 'false';
}
export interface LogExport {
  readonly contentType: string;
  readonly filename: string;
  readonly body: AsyncIterable<string>;
  /** Frees the export's slot; idempotent. Called when the body ends or fails, and by the route when the response closes. */
  readonly release: () => void;
}

function timeBound(name: string, v: string | undefined, now: Date): string | undefined {
  if (v === undefined) return undefined;
  const d = parseTimeBound(v, now);
  if (!d) throw badRequest(`querystring.${name}: ${JSON.stringify(v.slice(0, 64))} is not ${TIME_FORMS_HELP}`);
  return d.toISOString();
}

function serialise(format: ExportFormat, columns: readonly string[], neutralize: boolean) {
  let first = true;
  // Control, bidi and separator characters become visible escapes first (\x85, \u202e; text-safety.ts),
  // then formula neutralisation looks at what a spreadsheet would see.
  const cells = (e: unknown) => columns.map((c) => (neutralize ? neutralizeCell(visibleEscape(cellOf(e, c))) : visibleEscape(cellOf(e, c))));
  return {
    head: format === 'json' ? '[' : format === 'csv' ? stringify([columns as string[]], CSV_OPTS) : '',
    /** One page of entries as text; CSV pages go through the stringifier in one call, not one per row. */
    rows(page: readonly unknown[]): string {
      if (page.length === 0) return '';
      if (format === 'csv') return stringify(page.map(cells), CSV_OPTS);
      let s = '';
      for (const e of page) {
        if (format === 'ndjson') s += `${JSON.stringify(e)}\n`;
        else {
          s += `${first ? '\n' : ',\n'}${JSON.stringify(e)}`;
          first = false;
        }
      }
      // DEL, C1, bidi controls and U+2028/9 as \u escapes (JSON.stringify leaves them raw); lossless.
      return escapeJsonText(s);
    },
    tail: () => (format === 'json' ? (first ? ']\n' : '\n]\n') : ''),
  };
}

/** Reading both logs as people do: filtered pages newest first, exports, the histogram. */
export function createLogQueryService(deps: {
  readonly store: Pick<Store, 'auditLog' | 'accessLog' | 'members' | 'projects'>;
  readonly scopes: ScopeResolver;
  readonly clock: Clock;
  /** HMAC key that signs pagination cursors so a forged cursor is refused */
  readonly cursorKey: Buffer;
  /** Caps the exports streaming at once, per caller and in all */
  readonly exports: ExportLimiter;
}) {
  const { store, clock, cursorKey } = deps;

  /**
   * The store filter of a log read: validated time bounds, the caller's read scope, the cursor.
   * Shared by the list, the export and the histogram, so all three see exactly the same entries.
   */
  async function filterOf<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(op: OpContext, kind: LogKind<Q, F, E>, q: Q): Promise<F> {
    const now = clock();
    const since = timeBound('since', q.since, now);
    const until = timeBound('until', q.until, now);
    if (since && until && since >= until) throw badRequest('querystring: since must be earlier than until');
    const search = q.q !== undefined && q.q.trim() !== '' ? parseSearchParam(q.q, kind.name) : undefined;
    // project: and environment: terms are read as the parameters are: scope check, not-found answer.
    const lifted = new Set<string>();
    let project = q.project;
    let environment = q.environment;
    if (search) {
      const p = liftedSlug(search, 'project', project);
      if (p !== undefined) {
        project = p;
        lifted.add('project');
      }
      const e = liftedSlug(search, 'environment', environment);
      if (e !== undefined) {
        environment = e;
        lifted.add('environment');
      }
    }
    // A refused read or export is attributed to the project it targeted, so that project's owners see it.
    op.audit.setScope({ projectSlug: project ?? null, environmentSlug: environment ?? null });
    const scope = await logReadScope(deps, op, project, environment);
    const self = op.principal.actor.id;
    const common: LogFilterBase = {
      ...scope,
      project,
      environment,
      since,
      until,
      actor: q.actor,
      actorType: q.actorType as LogFilterBase['actorType'],
      client: q.client,
      requestId: q.requestId,
      beforeSeq: q.cursor !== undefined ? decodeCursor(cursorKey, kind.name, q.cursor) : undefined,
      conditions: q.excludeSelf === 'true' && self ? [{ any: [{ column: 'actor_id', op: 'eq', value: self }], negated: true }] : undefined,
    };
    const filter = kind.toFilter(q, common);
    return search ? applySearch(filter, search, kind.name, now, lifted) : filter;
  }

  return {
    filterOf,

    async page<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(op: OpContext, kind: LogKind<Q, F, E>, q: Q) {
      const filter = await filterOf(op, kind, q);
      const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
      const rows = await kind.query(store, filter, limit + 1);
      const entries = rows.slice(0, limit);
      const last = entries[entries.length - 1];
      return { entries, nextCursor: rows.length > limit && last ? encodeCursor(cursorKey, kind.name, last.seq) : null };
    },

    /**
     * A snapshot export: what was committed before it was asked for (not its own entry, nor rows
     * committed while it streams), so it equals the list the caller saw. Recorded as the kind's
     * export event; the body streams page by page in constant memory.
     */
    async export<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(op: OpContext, kind: LogKind<Q, F, E>, q: Q & ExportQuery): Promise<LogExport> {
      const filter = await filterOf(op, kind, q);
      const { format, limit } = q;
      const resource = kind.name === 'audit' ? 'audit-log' : 'access-log';
      // The same rule as the Access Log's path (contract/query-redaction.ts): a secret pasted into
      // actor=, resource= or requestId= must not be kept by the export's own entry either.
      const filters = redactFilters(Object.fromEntries(Object.entries(q).filter(([k]) => !['format', 'neutralize'].includes(k))));
      const slot = deps.exports.acquire(callerKey(op.principal));
      if (typeof slot === 'string') {
        const limits = deps.exports.limits;
        op.audit.record({ event: kind.exportEvent, outcome: 'Denied', reason: 'export_limit', resource, details: { format, filters, limit: slot } });
        throw new DomainError(
          'too_many_exports',
          slot === 'per_caller'
            ? `this caller already has ${limits.perCaller} exports streaming (the most allowed at once); retry after ${EXPORT_RETRY_SECONDS} seconds`
            : `the server already streams ${limits.total} exports (the most allowed at once); retry after ${EXPORT_RETRY_SECONDS} seconds`,
          { reason: 'export_limit', retryAfterSeconds: EXPORT_RETRY_SECONDS },
        );
      }
      const release = () => slot.release();
      let snapshotBefore: number | undefined;
      try {
        const newest = await kind.query(store, filter, 1);
        snapshotBefore = newest[0] ? newest[0].seq + 1 : filter.beforeSeq;
      } catch (e) {
        release();
        throw e;
      }
      op.audit.record({ event: kind.exportEvent, resource, details: { format, filters } });
      const out = serialise(format, kind.csvColumns, q.neutralize === 'true');
      async function* body(): AsyncGenerator<string> {
        try {
          yield out.head;
          let before = snapshotBefore;
          let left = limit ?? Number.POSITIVE_INFINITY;
          for (;;) {
            const page = await kind.query(store, { ...filter, beforeSeq: before }, Math.min(EXPORT_PAGE, left));
            const chunk = out.rows(page);
            if (chunk) yield chunk;
            left -= page.length;
            const last = page[page.length - 1];
            if (!last || page.length < Math.min(EXPORT_PAGE, MAX_PAGE_LIMIT) || left <= 0) break;
            before = last.seq;
            // A page is read and serialised synchronously (SQLite); without yielding in between, a few
            // exports would hold the event loop and /healthz and every other request would wait.
            // One page of one export per event-loop turn (setImmediate, after pending I/O).
            await deps.exports.turn();
          }
          yield out.tail();
        } finally {
          release();
        }
      }
      const type = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' }[format];
      return { contentType: `${type}; charset=utf-8`, filename: `${kind.name}-log.${format}`, body: body(), release };
    },

    /**
     * One entry by id, with the list's read scope: an entry the caller may not list is not found
     * either (404, the same answer as an unknown id, so ids of other projects are not probed).
     */
    async one<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(op: OpContext, kind: LogKind<Q, F, E>, id: string): Promise<E> {
      const filter = await filterOf(op, kind, {} as Q);
      const [entry] = await kind.query(store, { ...filter, id }, 1);
      if (!entry) throw notFound(`${kind.name === 'audit' ? 'Audit' : 'Access'} Log entry ${id}`);
      return entry;
    },

    /**
     * The live tail (GET …/stream): entries matching the list's filters committed after `after`
     * (default: the newest committed now), oldest first, read by seq (log-tail.ts).
     */
    async tail<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(op: OpContext, kind: LogKind<Q, F, E>, q: Q, after: number | undefined) {
      const filter = await filterOf(op, kind, q);
      const port = kind.name === 'audit' ? store.auditLog : store.accessLog;
      const start = after ?? (await port.lastSeq());
      return {
        after: start,
        open: (wait: () => Promise<void>, stopped: () => boolean) =>
          tailLog<F, E>({ query: (f, n) => kind.query(store, f, n), lastSeq: () => port.lastSeq(), filter, after: start, wait, stopped }),
      };
    },

    /** Success/Denied counts over time with the list's filters (one grouped store query). */
    async histogram(op: OpContext, q: AuditQueryParams & { buckets: number }, source: Pick<Store['auditLog'], 'histogram' | 'oldest'> = store.auditLog): Promise<HistogramResponse> {
      const filter: AuditFilter = await filterOf(op, AUDIT_LOG, q);
      return computeHistogram(source, filter, { buckets: q.buckets, now: clock() });
    },
  };
}

export type LogQueryService = ReturnType<typeof createLogQueryService>;
