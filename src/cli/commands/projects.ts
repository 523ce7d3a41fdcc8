import type { Command } from 'commander';
import { registerLeasePolicyCommand } from './leases.js';
import type { EnvironmentView, ProjectView } from '../../contract/api.js';
import { seg } from '../api-client.js';
import { usageError } from '../errors.js';
import { print } from '../env.js';
import { checkSlug, openSession, requireProject } from '../session.js';
import { printRows, simpleFormat, withOutput, type ContextFactory } from './shared.js';

function checkName(name: string | undefined, slug: string): string {
  const n = name ?? slug;
  if (n.trim() === '' || /[\u0000-\u001f\u007f]/.test(n)) throw usageError('invalid --name: must be non-empty text on one line');
  return n;
}

export function registerProjectCommands(program: Command, context: ContextFactory): void {
  const projects = program.command('projects').description('create and list projects');
  projects
    .command('create')
    .description('create a project (you become its owner)')
    .argument('<slug>', 'lowercase letters, digits and hyphens')
    .option('--name <name>', 'display name (default: the slug)')
    .action(async (slug: string, flags: { name?: string }) => {
      const ctx = context();
      const body = { slug: checkSlug(slug, 'project'), name: checkName(flags.name, slug) };
      const p = await openSession(ctx.env).client.request<ProjectView>('POST', '/api/v1/projects', { body });
      print(ctx, `Created project ${p.slug ?? slug}.`);
    });
  withOutput(projects.command('list').description('list the projects you can see')).action(async (flags: { output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const res = await openSession(ctx.env).client.get<{ projects: ProjectView[] }>('/api/v1/projects');
    printRows(
      ctx,
      format,
      [
        { header: 'SLUG', value: (p: ProjectView) => p.slug },
        { header: 'NAME', value: (p) => p.name, min: 8 },
        { header: 'ROLE', value: (p) => p.role ?? '-' },
        { header: 'CREATED (UTC)', value: (p) => p.createdAt, drop: 1 },
      ],
      res.projects,
      'No projects yet; create one with `bella projects create SLUG`.',
    );
  });

  const envs = program.command('environments').description('create and list environments of a project');
  registerLeasePolicyCommand(envs, context);
  envs
    .command('create')
    .description('create an environment in a project')
    .argument('<slug>', 'lowercase letters, digits and hyphens')
    .option('-p, --project <slug>', 'project (default: API key scope, BELLA_BAXTER_PROJECT, .bella)')
    .option('--name <name>', 'display name (default: the slug)')
    .action(async (slug: string, flags: { project?: string; name?: string }) => {
      const ctx = context();
      const body = { slug: checkSlug(slug, 'environment'), name: checkName(flags.name, slug) };
      const session = openSession(ctx.env);
      const project = await requireProject(session, flags);
      await session.client.request<EnvironmentView>('POST', `/api/v1/projects/${seg(project)}/environments`, { body });
      print(ctx, `Created environment ${slug} in project ${project}.`);
    });
  for (const [verb, restricted] of [['restrict', true], ['unrestrict', false]] as const) {
    envs
      .command(verb)
      .description(
        restricted
          ? 'restrict an environment to its own members (project MEMBER, CONSUMER and AUDITOR no longer reach it)'
          : "lift an environment's restriction (it stays restricted after its last member is removed until lifted)",
      )
      .argument('<slug>', 'the environment')
      .option('-p, --project <slug>', 'project (default: API key scope, BELLA_BAXTER_PROJECT, .bella)')
      .action(async (slug: string, flags: { project?: string }) => {
        const ctx = context();
        const env = checkSlug(slug, 'environment');
        const session = openSession(ctx.env);
        const project = await requireProject(session, flags);
        await session.client.request<EnvironmentView>('PUT', `/api/v1/projects/${seg(project)}/environments/${seg(env)}/restriction`, { body: { restricted } });
        print(ctx, restricted ? `${project}/${env} is restricted to its own members.` : `${project}/${env} is no longer restricted.`);
      });
  }
  withOutput(
    envs
      .command('list')
      .description('list the environments of a project')
      .option('-p, --project <slug>', 'project (default: API key scope, BELLA_BAXTER_PROJECT, .bella)'),
  ).action(async (flags: { project?: string; output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const session = openSession(ctx.env);
    const project = await requireProject(session, flags);
    const res = await session.client.get<{ environments: EnvironmentView[] }>(`/api/v1/projects/${seg(project)}/environments`);
    printRows(
      ctx,
      format,
      [
        { header: 'SLUG', value: (e: EnvironmentView) => e.slug },
        { header: 'NAME', value: (e) => e.name, min: 8 },
        { header: 'RESTRICTED', value: (e) => (e.restricted ? 'yes' : 'no') },
        { header: 'CREATED (UTC)', value: (e) => e.createdAt, drop: 1 },
      ],
      res.environments,
      `No environments in ${project} yet; create one with \`bella environments create SLUG --project ${project}\`.`,
    );
  });
}
