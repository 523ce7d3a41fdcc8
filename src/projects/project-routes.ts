import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createEnvironmentBody, createProjectBody, slugSchema, type EnvironmentView, type ProjectView } from '../contract/api.js';
import { commit, record, type AppDeps } from '../http/deps.js';
import { conflict } from '../http/errors.js';
import { requireUser } from '../identity/authenticate.js';
import { newDataKey } from '../secrets/envelope.js';
import type { EnvironmentRow, ProjectRow } from '../store/types.js';
import { authorizeScope } from './scope.js';

const projectParams = z.object({ project: slugSchema });
const envView = (e: EnvironmentRow): EnvironmentView => ({ slug: e.slug, name: e.name, createdAt: e.createdAt });
const projectView = (p: ProjectRow, role: string | null): ProjectView => ({ slug: p.slug, name: p.name, createdAt: p.createdAt, role });

export function registerProjectRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/v1/projects', { schema: { body: createProjectBody }, config: { audit: { event: 'ProjectCreated' } } }, async (req, reply) => {
    const { slug, name } = req.body;
    req.ctx.projectSlug = slug;
    req.ctx.resource = slug;
    const p = requireUser(req);
    if (await deps.store.projects.getBySlug(slug)) throw conflict(`project ${slug} already exists`);
    const id = randomUUID();
    const row: ProjectRow = { id, slug, name, wrappedKey: deps.keyring.wrap(newDataKey(), id), createdAt: deps.clock().toISOString() };
    // The creator becomes the project's OWNER in the same unit as the project itself.
    record(deps, req, { event: 'ProjectCreated', resource: slug, details: { name } });
    record(deps, req, { event: 'MemberAdded', resource: p.user.email, details: { role: 'OWNER', reason: 'project creator' } });
    await commit(deps, req, async (tx) => {
      await tx.projects.insert(row);
      await tx.members.upsert(id, null, p.user.id, 'OWNER');
    });
    return reply.code(201).send(projectView(row, 'OWNER'));
  });

  r.get('/api/v1/projects', async (req) => {
    const p = requireUser(req);
    const all = await deps.store.projects.list();
    const mine = await deps.store.members.listOfUser(p.user.id);
    const visible = all.filter((x) => p.user.admin || mine.some((m) => m.projectId === x.id));
    return {
      projects: visible.map((x) =>
        projectView(x, mine.find((m) => m.projectId === x.id && m.environmentId === null)?.role ?? null),
      ),
    };
  });

  r.get('/api/v1/projects/:project', { schema: { params: projectParams } }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, null, 'project.read');
    return projectView(s.project, s.facts.projectRole);
  });

  r.post(
    '/api/v1/projects/:project/environments',
    { schema: { params: projectParams, body: createEnvironmentBody }, config: { audit: { event: 'EnvironmentCreated' } } },
    async (req, reply) => {
      req.ctx.resource = req.body.slug;
      const s = await authorizeScope(deps, req, req.params.project, null, 'environment.create');
      if (await deps.store.projects.getEnvironment(s.project.id, req.body.slug)) {
        throw conflict(`environment ${req.body.slug} already exists in project ${s.project.slug}`);
      }
      const row: EnvironmentRow = {
        id: randomUUID(), projectId: s.project.id, slug: req.body.slug, name: req.body.name, createdAt: deps.clock().toISOString(),
      };
      record(deps, req, { event: 'EnvironmentCreated', environmentSlug: row.slug, resource: row.slug, details: { name: row.name } });
      await commit(deps, req, (tx) => tx.projects.insertEnvironment(row));
      return reply.code(201).send(envView(row));
    },
  );

  r.get('/api/v1/projects/:project/environments', { schema: { params: projectParams } }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, null, 'project.read');
    return { environments: (await deps.store.projects.listEnvironments(s.project.id)).map(envView) };
  });
}
