import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { emailSchema, environmentMemberBody, projectMemberBody, slugSchema } from '../contract/api.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

const projectParams = z.object({ project: slugSchema, email: emailSchema });
const envParams = z.object({ project: slugSchema, env: slugSchema, email: emailSchema });
const audited = (event: 'MemberAdded' | 'MemberRemoved', authorize?: 'member.manage' | 'environment.member.manage') => ({
  audit: { event, resourceParam: 'email' },
  authorize,
});

export function registerMemberRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const members = deps.services.members;

  r.get('/api/v1/projects/:project/members', { schema: { params: z.object({ project: slugSchema }) } }, async (req) => ({
    members: await members.list(opOf(req), req.params.project),
  }));

  r.put('/api/v1/projects/:project/members/:email', { schema: { params: projectParams, body: projectMemberBody }, config: audited('MemberAdded', 'member.manage') }, async (req) =>
    members.put(opOf(req), req.params.project, null, req.params.email, req.body.role),
  );

  r.delete('/api/v1/projects/:project/members/:email', { schema: { params: projectParams }, config: audited('MemberRemoved') }, async (req, reply) => {
    await members.remove(opOf(req), req.params.project, null, req.params.email);
    return reply.code(204).send();
  });

  r.put(
    '/api/v1/projects/:project/environments/:env/members/:email',
    { schema: { params: envParams, body: environmentMemberBody }, config: audited('MemberAdded', 'environment.member.manage') },
    async (req) => members.put(opOf(req), req.params.project, req.params.env, req.params.email, req.body.role),
  );

  r.delete('/api/v1/projects/:project/environments/:env/members/:email', { schema: { params: envParams }, config: audited('MemberRemoved') }, async (req, reply) => {
    await members.remove(opOf(req), req.params.project, req.params.env, req.params.email);
    return reply.code(204).send();
  });
}
