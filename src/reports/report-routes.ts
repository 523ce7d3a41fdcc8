import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { slugSchema } from '../contract/api.js';
import { reportRequestSchema, subjectBody } from '../contract/reports.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

/**
 * Evidence packs: callers who may read no Audit Log at all are refused before the body is validated
 * (the refusal recorded); which project a report may cover, the service decides.
 * Evidence packs (docs/api.md#reports): POST generates one (JSON, files base64), GET lists those generated. */
export function registerReportRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const reports = deps.services.reports;
  r.post('/api/v1/reports', { schema: { body: reportRequestSchema }, config: { audit: { event: 'ReportGenerated', projectBody: 'project' }, authorize: 'logReader' } }, async (req) => reports.generate(opOf(req), req.body));
  const subjects = deps.services.subjects;
  r.post('/api/v1/reports/subject', { schema: { body: subjectBody }, config: { audit: { event: 'ReportGenerated', resource: 'report:subject-access' }, authorize: 'logReader' } }, async (req) =>
    subjects.access(opOf(req), req.body.email),
  );
  r.post('/api/v1/admin/subjects/erase', { schema: { body: subjectBody }, config: { audit: { event: 'SubjectErased' }, authorize: 'admin' } }, async (req) => subjects.erase(opOf(req), req.body.email));
  r.get('/api/v1/reports', { schema: { querystring: z.object({ project: slugSchema.optional() }).strict() }, config: { authorize: 'logReader' } }, async (req) => reports.list(opOf(req), req.query.project));
}
