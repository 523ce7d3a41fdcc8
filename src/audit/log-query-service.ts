import { stringify } from 'csv-stringify/sync';
import { cellOf, neutralizeCell } from '../contract/csv.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type ExportFormat } from '../contract/log-query.js';
import { parseTimeBound, TIME_FORMS_HELP } from '../contract/time.js';
import type { Clock } from '../kernel/clock.js';
import type { OpContext } from '../kernel/context.js';
import { badRequest } from '../kernel/errors.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { Store } from '../store/ports.js';
import type { AuditFilter, LogFilterBase } from '../store/types.js';
import { computeHistogram } from './audit-histogram.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { AUDIT_LOG, type LogKind, type LogQueryBase } from './log-kinds.js';
import { logReadScope } from './log-read-scope.js';
import type { HistogramResponse } from '../contract/api.js';
import type { AuditQueryParams } from '../contract/log-query.js';

const EXPORT_PAGE = 1000;
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
}

function timeBound(name: string, v: string | undefined, now: Date): string | undefined {
  if (v === undefined) return undefined;
  const d = parseTimeBound(v, now);
  if (!d) throw badRequest(`querystring.${name}: ${JSON.stringify(v.slice(0, 64))} is not ${TIME_FORMS_HELP}`);
  return d.toISOString();
}

function serialise(format: ExportFormat, columns: readonly string[], neutralize: boolean) {
  let first = true;
  const cells = (e: unknown) => columns.map((c) => (neutralize ? neutralizeCell(cellOf(e, c)) : cellOf(e, c)));
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
      return s;
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
    // A refused read or export is attributed to the project it targeted, so that project's owners see it.
    op.audit.setScope({ projectSlug: q.project ?? null, environmentSlug: q.environment ?? null });
    const scope = await logReadScope(deps, op, q.project);
    const common: LogFilterBase = {
      ...scope,
      project: q.project,
      environment: q.environment,
      since,
      until,
      actor: q.actor,
      actorType: q.actorType as LogFilterBase['actorType'],
      requestId: q.requestId,
      beforeSeq: q.cursor !== undefined ? decodeCursor(cursorKey, kind.name, q.cursor) : undefined,
    };
    return kind.toFilter(q, common);
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
      const newest = await kind.query(store, filter, 1);
      const snapshotBefore = newest[0] ? newest[0].seq + 1 : filter.beforeSeq;
      const filters = Object.fromEntries(Object.entries(q).filter(([k]) => !['format', 'neutralize'].includes(k)));
      op.audit.record({ event: kind.exportEvent, resource: kind.name === 'audit' ? 'audit-log' : 'access-log', details: { format, filters } });
      const out = serialise(format, kind.csvColumns, q.neutralize === 'true');
      async function* body(): AsyncGenerator<string> {
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
        }
        yield out.tail();
      }
      const type = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' }[format];
      return { contentType: `${type}; charset=utf-8`, filename: `${kind.name}-log.${format}`, body: body() };
    },

    /** Success/Denied counts over time with the list's filters (one grouped store query). */
    async histogram(op: OpContext, q: AuditQueryParams & { buckets: number }, source: Pick<Store['auditLog'], 'histogram' | 'oldest'> = store.auditLog): Promise<HistogramResponse> {
      const filter: AuditFilter = await filterOf(op, AUDIT_LOG, q);
      return computeHistogram(source, filter, { buckets: q.buckets, now: clock() });
    },
  };
}

export type LogQueryService = ReturnType<typeof createLogQueryService>;
