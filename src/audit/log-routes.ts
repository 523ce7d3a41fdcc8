import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { exportFormatParam, MAX_EXPORT_LIMIT } from '../contract/log-query.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';
import type { LogFilterBase } from '../store/types.js';
import { histogramQuerySchema, type HistogramQuery } from './audit-histogram.js';
import { AUDIT_LOG, type LogKind, type LogQueryBase } from './log-kinds.js';
import type { ExportQuery } from './log-query-service.js';

const LIMIT_HELP = `must be a positive integer, at most ${MAX_EXPORT_LIMIT}`;

/** GET {kind.path} (a page, newest first) and GET {kind.path}/export (a snapshot, streamed). */
export function registerLogRoutes<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(
  app: FastifyInstance, deps: AppDeps, kind: LogKind<Q, F, E>,
): void {
  const logs = deps.services.logs;
  app.get(kind.path, { schema: { querystring: kind.querySchema } }, async (req) => logs.page(opOf(req), kind, req.query as Q));

  const exportSchema = (kind.querySchema as unknown as z.ZodObject<z.ZodRawShape>)
    .omit({ cursor: true, limit: true })
    .extend({
      format: exportFormatParam.default('json'),
      limit: z.coerce
        .number({ message: LIMIT_HELP })
        .int(LIMIT_HELP)
        .min(1, LIMIT_HELP)
        .max(MAX_EXPORT_LIMIT, `must be at most ${MAX_EXPORT_LIMIT} rows (leave limit out to export every match, or narrow with since/until)`)
        .optional(),
      neutralize: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true'),
    })
    .strict();
  app.get(`${kind.path}/export`, { schema: { querystring: exportSchema }, config: { audit: { event: kind.exportEvent } } }, async (req, reply) => {
    const out = await logs.export(opOf(req), kind, req.query as Q & ExportQuery);
    // The export's slot is held until the response is over: streamed to the end, failed, replaced
    // by a 503, or cut off by the client ('close' fires in every case; release is idempotent).
    reply.raw.once('close', out.release);
    if (reply.raw.destroyed) out.release();
    reply.header('content-type', out.contentType);
    reply.header('content-disposition', `attachment; filename="${out.filename}"`);
    return reply.send(Readable.from(out.body));
  });
}

/** The Audit Log's routes: page, export and the histogram of the Audit Logs page. */
export function registerAuditRoutes(app: FastifyInstance, deps: AppDeps): void {
  registerLogRoutes(app, deps, AUDIT_LOG);
  app.get('/api/v1/audit-logs/histogram', { schema: { querystring: histogramQuerySchema } }, async (req) =>
    deps.services.logs.histogram(opOf(req), req.query as HistogramQuery),
  );
}
