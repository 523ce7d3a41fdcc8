import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { emailSchema, environmentMemberBody, projectMemberBody, slugSchema, type MemberView } from '../contract/api.js';
import { commit, record, type AppDeps } from '../http/deps.js';
import { AppError, forbidden, notFound } from '../http/errors.js';
import type { EnvironmentRow } from '../store/types.js';
import { authorizeScope, type Scope } from './scope.js';

const projectParams = z.object({ project: slugSchema, email: emailSchema });
const envParams = z.object({ project: slugSchema, env: slugSchema, email: emailSchema });
const audited = (event: 'MemberAdded' | 'MemberRemoved') => ({ audit: { event, resourceParam: 'email' } });

async function targetUser(deps: AppDeps, email: string) {
  const u = await deps.store.users.getByEmail(email);
  if (!u) throw notFound(`user ${email} (an instance admin creates users with POST /api/v1/users)`);
  return u;
}

/** Only an OWNER (or the instance admin) may grant, change or remove the OWNER role. */
function guardOwner(s: Scope, roles: (string | null)[]): void {
  const p = s.facts.principal;
  const isAdmin = p.kind === 'user' && p.user.admin;
  if (roles.includes('OWNER') && s.facts.projectRole !== 'OWNER' && !isAdmin) {
    throw forbidden('only an OWNER can grant or remove the OWNER role', 'owner_required');
  }
}

async function put(deps: AppDeps, req: FastifyRequest, s: Scope, env: EnvironmentRow | null, email: string, role: string) {
  const user = await targetUser(deps, email);
  const members = await deps.store.members.listOfProject(s.project.id);
  const prev = members.find((m) => m.userId === user.id && m.environmentId === (env?.id ?? null))?.role ?? null;
  if (env === null) guardOwner(s, [role, prev]);
  if (prev === role) return { email: user.email, name: user.name, role, environmentSlug: env?.slug ?? null, changed: false };
  if (env === null && prev === 'OWNER' && members.filter((m) => m.environmentId === null && m.role === 'OWNER').length === 1) {
    throw new AppError('conflict', `${email} is the last OWNER of ${s.project.slug}; add another OWNER first`);
  }
  if (prev === null) record(deps, req, { event: 'MemberAdded', resource: user.email, details: { role, scope: env ? 'environment' : 'project' } });
  else record(deps, req, { event: 'MemberRoleChanged', resource: user.email, details: { from: prev, to: role, scope: env ? 'environment' : 'project' } });
  await commit(deps, req, (tx) => tx.members.upsert(s.project.id, env?.id ?? null, user.id, role));
  return { email: user.email, name: user.name, role, environmentSlug: env?.slug ?? null, changed: true };
}

async function remove(deps: AppDeps, req: FastifyRequest, s: Scope, env: EnvironmentRow | null, email: string) {
  const user = await targetUser(deps, email);
  const members = await deps.store.members.listOfProject(s.project.id);
  const prev = members.find((m) => m.userId === user.id && m.environmentId === (env?.id ?? null))?.role ?? null;
  if (prev === null) throw new AppError('not_found', `${email} is not a member of ${s.project.slug}${env ? `/${env.slug}` : ''}`);
  if (env === null) guardOwner(s, [prev]);
  if (env === null && prev === 'OWNER' && members.filter((m) => m.environmentId === null && m.role === 'OWNER').length === 1) {
    throw new AppError('conflict', `${email} is the last OWNER of ${s.project.slug}; add another OWNER first`);
  }
  record(deps, req, { event: 'MemberRemoved', resource: user.email, details: { role: prev, scope: env ? 'environment' : 'project' } });
  await commit(deps, req, (tx) => tx.members.delete(s.project.id, env?.id ?? null, user.id));
}

export function registerMemberRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/v1/projects/:project/members', { schema: { params: z.object({ project: slugSchema }) } }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, null, 'project.read');
    const envs = new Map((await deps.store.projects.listEnvironments(s.project.id)).map((e) => [e.id, e.slug]));
    const members: MemberView[] = (await deps.store.members.listOfProject(s.project.id)).map((m) => ({
      email: m.email, name: m.name, role: m.role, environmentSlug: m.environmentId ? (envs.get(m.environmentId) ?? null) : null,
    }));
    return { members };
  });

  r.put('/api/v1/projects/:project/members/:email', { schema: { params: projectParams, body: projectMemberBody }, config: audited('MemberAdded') }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, null, 'member.manage');
    return put(deps, req, s, null, req.params.email, req.body.role);
  });

  r.delete('/api/v1/projects/:project/members/:email', { schema: { params: projectParams }, config: audited('MemberRemoved') }, async (req, reply) => {
    const s = await authorizeScope(deps, req, req.params.project, null, 'member.manage');
    await remove(deps, req, s, null, req.params.email);
    return reply.code(204).send();
  });

  r.put('/api/v1/projects/:project/environments/:env/members/:email', { schema: { params: envParams, body: environmentMemberBody }, config: audited('MemberAdded') }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'environment.member.manage');
    return put(deps, req, s, s.environment, req.params.email, req.body.role);
  });

  r.delete('/api/v1/projects/:project/environments/:env/members/:email', { schema: { params: envParams }, config: audited('MemberRemoved') }, async (req, reply) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'environment.member.manage');
    await remove(deps, req, s, s.environment, req.params.email);
    return reply.code(204).send();
  });
}
