import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { EventType } from '../contract/events.js';
import { createStreamBody, replayStreamBody, streamNameParams, updateStreamBody } from '../contract/streams.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

const PATH = '/api/v1/audit-streams';
const ITEM = `${PATH}/:name`;
const audited = (event: EventType) => ({ audit: { event, resourceParam: 'name' } });

/**
 * Audit Log streams to SIEMs (docs/streams.md): the instance admin manages every stream, a project
 * OWNER the project's. Changes are audited; the health of each stream comes with every view.
 */
export function registerStreamRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const streams = deps.services.streams;

  r.post(PATH, { schema: { body: createStreamBody }, config: { audit: { event: 'AuditStreamCreated', resourceBody: 'name', projectBody: 'project' }, authorize: 'streamManager' } }, async (req, reply) =>
    reply.code(201).send(await streams.create(opOf(req), req.body)),
  );
  // The list is each caller's own view (the streams they may manage, possibly none): any user may ask.
  r.get(PATH, { config: { authorize: 'user' } }, async (req) => ({ streams: await streams.list(opOf(req)) }));
  r.get(ITEM, { schema: { params: streamNameParams }, config: { authorize: 'streamManager' } }, async (req) => streams.show(opOf(req), req.params.name));
  r.patch(ITEM, { schema: { params: streamNameParams, body: updateStreamBody }, config: { ...audited('AuditStreamUpdated'), authorize: 'streamManager' } }, async (req) =>
    streams.update(opOf(req), req.params.name, req.body),
  );
  r.delete(ITEM, { schema: { params: streamNameParams }, config: { ...audited('AuditStreamRemoved'), authorize: 'streamManager' } }, async (req, reply) => {
    await streams.remove(opOf(req), req.params.name);
    return reply.code(204).send();
  });
  r.post(`${ITEM}/pause`, { schema: { params: streamNameParams }, config: { ...audited('AuditStreamPaused'), authorize: 'streamManager' } }, async (req) => streams.pause(opOf(req), req.params.name));
  r.post(`${ITEM}/resume`, { schema: { params: streamNameParams }, config: { ...audited('AuditStreamResumed'), authorize: 'streamManager' } }, async (req) => streams.resume(opOf(req), req.params.name));
  r.post(`${ITEM}/replay`, { schema: { params: streamNameParams, body: replayStreamBody }, config: { ...audited('AuditStreamReplayed'), authorize: 'streamManager' } }, async (req) =>
    streams.replay(opOf(req), req.params.name, req.body),
  );
  r.post(`${ITEM}/test`, { schema: { params: streamNameParams }, config: { authorize: 'streamManager' } }, async (req) => streams.test(opOf(req), req.params.name));
}
