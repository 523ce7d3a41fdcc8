import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decideBody, reviewIdParams } from '../contract/access-review.js';
import { slugSchema } from '../contract/api.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

/** Access reviews of a project (docs/api.md#access-reviews): start and decide need member.manage, reading logs.read. */
export function registerAccessReviewRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const reviews = deps.services.accessReviews;
  const base = '/api/v1/projects/:project/access-reviews';
  const projectParams = z.object({ project: slugSchema }).strict();
  r.post(base, { schema: { params: projectParams }, config: { audit: { event: 'AccessReviewStarted' }, authorize: 'member.manage' } }, async (req, reply) =>
    reply.code(201).send(await reviews.start(opOf(req), req.params.project)),
  );
  r.get(base, { schema: { params: projectParams }, config: { authorize: 'logs.read' } }, async (req) => reviews.list(opOf(req), req.params.project));
  r.get(`${base}/:id`, { schema: { params: reviewIdParams }, config: { authorize: 'logs.read' } }, async (req) => reviews.show(opOf(req), req.params.project, req.params.id));
  r.post(`${base}/:id/decisions`, { schema: { params: reviewIdParams, body: decideBody }, config: { audit: { event: 'AccessReviewDecided' }, authorize: 'member.manage' } }, async (req) =>
    reviews.decide(opOf(req), req.params.project, req.params.id, req.body),
  );
}
