import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { cellOf, neutralizeCell } from '../contract/csv.js';
import type { EventType } from '../contract/events.js';
import { exportFormatParam, MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT, type ExportFormat } from '../contract/log-query.js';
import { parseTimeBound, TIME_FORMS_HELP } from '../contract/time.js';
import { record, type AppDeps } from '../http/deps.js';
import { badRequest } from '../http/errors.js';
import type { LogFilterBase } from '../store/types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { logReadScope } from './log-scope.js';

/** What differs between the Audit Log and the Access Log; the reading, paging and export are shared. */
export interface LogKind<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }> {
  readonly name: 'audit' | 'access';
  readonly path: string;
  readonly querySchema: z.ZodType<Q>;
  readonly csvColumns: readonly string[];
  readonly exportEvent: EventType;
  /** Maps the log-specific query params onto the store filter (common ones are done already) */
  toFilter(q: Q, common: LogFilterBase): F;
  query(deps: AppDeps, filter: F, limit: number): Promise<E[]>;
}
export interface LogQueryBase {
  project?: string;
  environment?: string;
  since?: string;
  until?: string;
  actor?: string;
  actorType?: string;
  requestId?: string;
  limit?: number;
  cursor?: string;
}

const EXPORT_PAGE = 1000;
/** RFC 4180: CRLF line ends, the same bytes as `bella audit list -o csv`. */
const CSV_OPTS = { record_delimiter: 'windows' } as const;

function timeBound(name: string, v: string | undefined, now: Date): string | undefined {
  if (v === undefined) return undefined;
  const d = parseTimeBound(v, now);
  if (!d) throw badRequest(`querystring.${name}: ${JSON.stringify(v.slice(0, 64))} is not ${TIME_FORMS_HELP}`);
  return d.toISOString();
}

/**
 * The store filter for a log read: validated time bounds, the caller's read scope, the cursor. Shared by
 * the list, the export and the histogram, so all three see exactly the same entries.
 */
export async function buildLogFilter<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(
  deps: AppDeps, req: FastifyRequest, kind: LogKind<Q, F, E>, q: Q,
): Promise<F> {
  const now = deps.clock();
  const since = timeBound('since', q.since, now);
  const until = timeBound('until', q.until, now);
  if (since && until && since >= until) throw badRequest('querystring: since must be earlier than until');
  // A refused read or export is attributed to the project it targeted, so that project's owners see it.
  req.ctx.projectSlug = q.project ?? null;
  req.ctx.environmentSlug = q.environment ?? null;
  const scope = await logReadScope(deps, req, q.project);
  const common: LogFilterBase = {
    ...scope,
    project: q.project,
    environment: q.environment,
    since,
    until,
    actor: q.actor,
    actorType: q.actorType as LogFilterBase['actorType'],
    requestId: q.requestId,
    beforeSeq: q.cursor !== undefined ? decodeCursor(deps.cursorKey, kind.name, q.cursor) : undefined,
  };
  return kind.toFilter(q, common);
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

export function registerLogRoutes<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(
  app: FastifyInstance, deps: AppDeps, kind: LogKind<Q, F, E>,
): void {
  app.get(kind.path, { schema: { querystring: kind.querySchema } }, async (req) => {
    const q = req.query as Q;
    const filter = await buildLogFilter(deps, req, kind, q);
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const rows = await kind.query(deps, filter, limit + 1);
    const entries = rows.slice(0, limit);
    const last = entries[entries.length - 1];
    return { entries, nextCursor: rows.length > limit && last ? encodeCursor(deps.cursorKey, kind.name, last.seq) : null };
  });

  const exportSchema = (kind.querySchema as unknown as z.ZodObject<z.ZodRawShape>)
    .omit({ cursor: true, limit: true })
    .extend({
      format: exportFormatParam.default('json'),
      limit: z.coerce.number({ message: 'must be a positive integer' }).int('must be a positive integer').min(1, 'must be a positive integer').optional(),
      neutralize: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true'),
    })
    .strict();
  app.get(`${kind.path}/export`, { schema: { querystring: exportSchema }, config: { audit: { event: kind.exportEvent } } }, async (req, reply) => {
    const q = req.query as Q & { format: ExportFormat; limit?: number; neutralize: 'true' | 'false' };
    const filter = await buildLogFilter(deps, req, kind, q);
    const { format, limit } = q;
    // Snapshot: the export covers what was committed before it was asked for (not its own entry,
    // nor rows committed while it streams), so it equals the list the caller saw.
    const newest = await kind.query(deps, filter, 1);
    const snapshotBefore = newest[0] ? newest[0].seq + 1 : filter.beforeSeq;
    const filters = Object.fromEntries(Object.entries(q).filter(([k]) => !['format', 'neutralize'].includes(k)));
    record(deps, req, { event: kind.exportEvent, resource: kind.name === 'audit' ? 'audit-log' : 'access-log', details: { format, filters } });
    const out = serialise(format, kind.csvColumns, q.neutralize === 'true');
    async function* generate(): AsyncGenerator<string> {
      yield out.head;
      let before = snapshotBefore;
      let left = limit ?? Number.POSITIVE_INFINITY;
      for (;;) {
        const page = await kind.query(deps, { ...filter, beforeSeq: before }, Math.min(EXPORT_PAGE, left));
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
    reply.header('content-type', `${type}; charset=utf-8`);
    reply.header('content-disposition', `attachment; filename="${kind.name}-log.${format}"`);
    return reply.send(Readable.from(generate()));
  });
}
