import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CONTEXT_FILE, findContextFile, renderContextFile } from '../context-file.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { print } from '../env.js';
import { checkSlug, openSession, resolveScope } from '../session.js';
import type { ContextFactory } from './shared.js';

export function registerContextCommands(program: Command, context: ContextFactory): void {
  const group = program.command('context').description('the project and environment commands use by default');

  group
    .command('init')
    .description(`write a ${CONTEXT_FILE} file in the current directory`)
    .argument('[project]', 'project slug (default: --project, BELLA_BAXTER_PROJECT)')
    .argument('[environment]', 'environment slug (default: --environment, BELLA_BAXTER_ENV)')
    .option('-p, --project <slug>', 'project slug')
    .option('-e, --environment <slug>', 'environment slug')
    .option('--force', `replace an existing ${CONTEXT_FILE}`)
    .action((projectArg: string | undefined, envArg: string | undefined, flags: { project?: string; environment?: string; force?: boolean }) => {
      const ctx = context();
      // Only explicit values: copying a parent directory's .bella here would be surprising.
      const project = projectArg ?? flags.project ?? ctx.env.project;
      const environment = envArg ?? flags.environment ?? ctx.env.environment;
      if (project === null || project === undefined) {
        throw usageError('no project given', 'Run `bella context init PROJECT [ENVIRONMENT]`, e.g. bella context init my-api production.');
      }
      checkSlug(project, 'project');
      if (environment !== null && environment !== undefined) checkSlug(environment, 'environment');
      const path = join(ctx.env.cwd, CONTEXT_FILE);
      if (existsSync(path) && !flags.force) {
        throw new CliError(EXIT.error, `${path} already exists`, 'Pass --force to replace it.');
      }
      writeFileSync(path, renderContextFile(project, environment ?? null));
      print(ctx, `Wrote ${path} (project ${project}${environment ? `, environment ${environment}` : ''}).`);
    });

  group
    .command('show')
    .description('show the project and environment commands would use here, and where each comes from')
    .option('-p, --project <slug>', 'project slug')
    .option('-e, --environment <slug>', 'environment slug')
    .action(async (flags: { project?: string; environment?: string }) => {
      const ctx = context();
      const session = openSession(ctx.env);
      const scope = await resolveScope(session, flags);
      const file = findContextFile(ctx.env.cwd);
      print(
        ctx,
        [
          `Server:      ${ctx.env.url}`,
          `Credentials: ${session.source}`,
          `Project:     ${scope.project ?? '(none)'}`,
          `Environment: ${scope.environment ?? '(none)'}`,
          `Context:     ${file?.path ?? `(no ${CONTEXT_FILE} found)`}`,
        ].join('\n'),
      );
    });
}
