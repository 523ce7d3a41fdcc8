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
import { badRequest } from '../kernel/errors.js';
import { escapeJsonText } from '../contract/text-safety.js';

const LIMIT_HELP = `must be a positive integer, at most ${MAX_EXPORT_LIMIT}`;
const SEQ_HELP = 'must be the seq of an entry (a whole number)';
const idParams = z.object({ id: z.string().regex(/^[0-9A-Za-z-]{1,64}$/, 'must be an entry id (a UUID)') });
/** How often a live tail looks for new rows */
const TAIL_POLL_MS = 250;

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

  registerTailRoute(app, deps, kind);

  // Static routes (export, stream, histogram) win over this parametric one in Fastify's router.
  app.get(`${kind.path}/:id`, { schema: { params: idParams } }, async (req) => logs.one(opOf(req), kind, (req.params as { id: string }).id));
}

/**
 * GET {kind.path}/stream: Server-Sent Events, one `id: <seq>` event per new matching entry, oldest
 * first; resumes after the Last-Event-ID header (or ?after=SEQ); heartbeat comments keep proxies
 * and the idle timeout from closing a quiet stream; ends (cleanly) when the server shuts down.
 */
function registerTailRoute<Q extends LogQueryBase, F extends LogFilterBase, E extends { seq: number }>(app: FastifyInstance, deps: AppDeps, kind: LogKind<Q, F, E>): void {
  const logs = deps.services.logs;
  const heartbeatMs = Math.max(50, Math.min(15_000, Math.floor((deps.timeouts?.idleMs ?? 60_000) / 3)));
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of open) stop();
  });
  const schema = (kind.querySchema as unknown as z.ZodObject<z.ZodRawShape>)
    .omit({ cursor: true, limit: true })
    .extend({ after: z.coerce.number({ message: SEQ_HELP }).int(SEQ_HELP).min(0, SEQ_HELP).max(Number.MAX_SAFE_INTEGER, SEQ_HELP).optional() })
    .strict();
  app.get(`${kind.path}/stream`, { schema: { querystring: schema } }, async (req, reply) => {
    const q = req.query as Q & { after?: number };
    const header = req.headers['last-event-id'];
    let after = q.after;
    if (typeof header === 'string' && header.trim() !== '') {
      if (!/^\d{1,15}$/.test(header.trim())) throw badRequest(`headers.last-event-id: ${SEQ_HELP}`);
      after = Number(header.trim());
    }
    const { after: _a, ...query } = q;
    const tail = await logs.tail(opOf(req), kind, query as unknown as Q, after);
    let stopped = false;
    let wake: (() => void) | null = null;
    const stop = () => {
      stopped = true;
      wake?.();
    };
    open.add(stop);
    reply.raw.once('close', stop);
    const wait = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, TAIL_POLL_MS);
        wake = done;
      });
    async function* body(): AsyncGenerator<string> {
      try {
        // The first id is where the tail starts: a client that loses the connection before any entry
        // comes resumes from there (Last-Event-ID) and misses nothing committed meanwhile.
        yield `retry: 1000\nid: ${tail.after}\n\n: live tail of the ${kind.name} log after seq ${tail.after}\n\n`;
        let beat = Date.now();
        for await (const { entries } of tail.open(wait, () => stopped)) {
          let chunk = '';
          for (const e of entries) chunk += `id: ${e.seq}\ndata: ${escapeJsonText(JSON.stringify(e))}\n\n`;
          if (chunk === '' && Date.now() - beat >= heartbeatMs) chunk = ': heartbeat\n\n';
          if (chunk !== '') {
            beat = Date.now();
            yield chunk;
          }
        }
        yield ': the server is shutting down; reconnect with Last-Event-ID\n\n';
      } finally {
        open.delete(stop);
      }
    }
    reply.header('content-type', 'text/event-stream; charset=utf-8');
    reply.header('cache-control', 'no-cache');
    reply.header('x-accel-buffering', 'no');
    return reply.send(Readable.from(body()));
  });
}

/** The Audit Log's routes: page, export and the histogram of the Audit Logs page. */
export function registerAuditRoutes(app: FastifyInstance, deps: AppDeps): void {
  registerLogRoutes(app, deps, AUDIT_LOG);
  app.get('/api/v1/audit-logs/histogram', { schema: { querystring: histogramQuerySchema } }, async (req) =>
    deps.services.logs.histogram(opOf(req), req.query as HistogramQuery),
  );
}
