import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createEnvironmentBody, createProjectBody, restrictionBody, slugSchema } from '../contract/api.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

const projectParams = z.object({ project: slugSchema });

export function registerProjectRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const projects = deps.services.projects;

  r.post('/api/v1/projects', { schema: { body: createProjectBody }, config: { audit: { event: 'ProjectCreated', resourceBody: 'slug', projectBody: 'slug' }, authorize: 'user' } }, async (req, reply) => {
    // Attributed to the project it names even when refused (see projectBody).
    return reply.code(201).send(await projects.create(opOf(req), req.body));
  });

  r.get('/api/v1/projects', async (req) => ({ projects: await projects.list(opOf(req)) }));

  r.get('/api/v1/projects/:project', { schema: { params: projectParams } }, async (req) => projects.get(opOf(req), req.params.project));

  r.post(
    '/api/v1/projects/:project/environments',
    { schema: { params: projectParams, body: createEnvironmentBody }, config: { audit: { event: 'EnvironmentCreated', resourceBody: 'slug' }, authorize: 'environment.create' } },
    async (req, reply) => reply.code(201).send(await projects.createEnvironment(opOf(req), req.params.project, req.body)),
  );

  r.put(
    '/api/v1/projects/:project/environments/:env/restriction',
    {
      schema: { params: z.object({ project: slugSchema, env: slugSchema }), body: restrictionBody },
      config: { audit: { event: 'RestrictionChanged', resourceParam: 'env' }, authorize: 'member.manage' },
    },
    async (req) => projects.setRestriction(opOf(req), req.params.project, req.params.env, req.body.restricted),
  );

  r.get('/api/v1/projects/:project/environments', { schema: { params: projectParams } }, async (req) => ({
    environments: await projects.listEnvironments(opOf(req), req.params.project),
  }));
}
