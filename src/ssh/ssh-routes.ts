import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { slugSchema } from '../contract/api.js';
import { sshRoleBody, sshSignBody } from '../contract/ssh.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

const envParams = z.object({ project: slugSchema, env: slugSchema });
const roleParams = envParams.extend({ name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be an SSH role name') });

/** The environment's SSH certificate authority: its public key, its roles, and signing (docs/ssh.md). */
export function registerSshRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const ssh = deps.services.ssh;
  const base = '/api/v1/projects/:project/environments/:env/ssh';

  r.get(`${base}/ca`, { schema: { params: envParams }, config: { authorize: 'project.read' } }, async (req) => ssh.ca(opOf(req), req.params.project, req.params.env));

  r.get(`${base}/roles`, { schema: { params: envParams }, config: { authorize: 'ssh.sign' } }, async (req) => ({
    roles: await ssh.listRoles(opOf(req), req.params.project, req.params.env),
  }));

  r.post(`${base}/roles`, { schema: { params: envParams, body: sshRoleBody }, config: { audit: { event: 'SshRoleCreated' }, authorize: 'ssh.manage' } }, async (req, reply) =>
    reply.code(201).send(await ssh.createRole(opOf(req), req.params.project, req.params.env, req.body)),
  );

  r.delete(`${base}/roles/:name`, { schema: { params: roleParams }, config: { audit: { event: 'SshRoleDeleted', resourceParam: 'name' }, authorize: 'ssh.manage' } }, async (req, reply) => {
    await ssh.deleteRole(opOf(req), req.params.project, req.params.env, req.params.name);
    return reply.code(204).send();
  });

  r.post(`${base}/sign`, { schema: { params: envParams, body: sshSignBody }, config: { audit: { event: 'SshKeySigned' }, authorize: 'ssh.sign' } }, async (req) =>
    ssh.sign(opOf(req), req.params.project, req.params.env, req.body),
  );
}
