import type { Command } from 'commander';
import type { MemberView, UserView } from '../../contract/api.js';
import { ENVIRONMENT_ROLES, PROJECT_ROLES } from '../../contract/roles.js';
import { seg } from '../api-client.js';
import { usageError } from '../errors.js';
import { print } from '../env.js';
import { promptHidden, readAllStdin, stripFinalNewline } from '../prompt.js';
import { checkSlug, openSession, requireProject } from '../session.js';
import { checkEmail } from './auth.js';
import { printRows, simpleFormat, withOutput, type ContextFactory } from './shared.js';

interface MemberFlags {
  project?: string;
  environment?: string;
  user?: string;
  role?: string;
}

/** Project roles and environment roles differ; check the one that applies before sending. */
export function checkRole(role: string, environmentLevel: boolean): string {
  const allowed: readonly string[] = environmentLevel ? ENVIRONMENT_ROLES : PROJECT_ROLES;
  const r = role.trim().toUpperCase().replace(/-/g, '_');
  if (!allowed.includes(r)) {
    throw usageError(`invalid --role ${JSON.stringify(role)} for ${environmentLevel ? 'an environment' : 'a project'}`, `Valid roles: ${allowed.join(', ')}.`);
  }
  return r;
}

function memberPath(project: string, environment: string | undefined, email: string): string {
  const base = `/api/v1/projects/${seg(project)}`;
  return environment === undefined ? `${base}/members/${seg(email)}` : `${base}/environments/${seg(environment)}/members/${seg(email)}`;
}

export function registerMemberCommands(program: Command, context: ContextFactory): void {
  const members = program.command('members').description('grant and remove project and environment roles');
  const scoped = (name: string, description: string) =>
    members
      .command(name)
      .description(description)
      .option('-p, --project <slug>', 'project (default: API key scope, BELLA_BAXTER_PROJECT, .bella)')
      .option('-e, --environment <slug>', 'grant on this environment only (not taken from the context)')
      .requiredOption('--user <email>', 'the member\'s email');

  scoped('add', 'add a user to a project or environment (or change their role)')
    .option('--role <role>', `project: ${PROJECT_ROLES.join('|')}; environment: ${ENVIRONMENT_ROLES.join('|')}`, 'MEMBER')
    .action(async (flags: MemberFlags) => {
      const ctx = context();
      const email = checkEmail(flags.user as string);
      const role = checkRole(flags.role ?? 'MEMBER', flags.environment !== undefined);
      if (flags.environment !== undefined) checkSlug(flags.environment, 'environment');
      const session = openSession(ctx.env);
      const project = await requireProject(session, { project: flags.project });
      await session.client.request('PUT', memberPath(project, flags.environment, email), { body: { role } });
      print(ctx, `${email} is now ${role} on ${project}${flags.environment ? `/${flags.environment}` : ''}.`);
    });

  scoped('remove', 'remove a user from a project or environment').action(async (flags: MemberFlags) => {
    const ctx = context();
    const email = checkEmail(flags.user as string);
    if (flags.environment !== undefined) checkSlug(flags.environment, 'environment');
    const session = openSession(ctx.env);
    const project = await requireProject(session, { project: flags.project });
    await session.client.request('DELETE', memberPath(project, flags.environment, email));
    print(ctx, `Removed ${email} from ${project}${flags.environment ? `/${flags.environment}` : ''}.`);
  });

  withOutput(
    members.command('list').description('list the members of a project').option('-p, --project <slug>', 'project (default: context)'),
  ).action(async (flags: { project?: string; output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const session = openSession(ctx.env);
    const project = await requireProject(session, flags);
    const res = await session.client.get<{ members: MemberView[] }>(`/api/v1/projects/${seg(project)}/members`);
    printRows(
      ctx,
      format,
      [
        { header: 'EMAIL', value: (m: MemberView) => m.email, min: 12 },
        { header: 'NAME', value: (m) => m.name, min: 6, drop: 1 },
        { header: 'ROLE', value: (m) => m.role },
        { header: 'ENVIRONMENT', value: (m) => m.environmentSlug ?? '(project)' },
      ],
      res.members,
      `No members in ${project}.`,
    );
  });

  const users = program.command('users').description('manage user accounts (instance admin)');
  users
    .command('create')
    .description('create a user account (instance admin only)')
    .requiredOption('--email <email>', 'the new user\'s email')
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--admin', 'make the user an instance admin')
    .option('--password-stdin', 'read the new password from stdin instead of prompting')
    .action(async (flags: { email: string; name?: string; admin?: boolean; passwordStdin?: boolean }) => {
      const ctx = context();
      const email = checkEmail(flags.email);
      const name = flags.name ?? email.split('@')[0] ?? email;
      if (name.trim() === '' || /[\u0000-\u001f\u007f]/.test(name)) throw usageError('invalid --name: must be non-empty text on one line');
      const password = flags.passwordStdin
        ? stripFinalNewline(await readAllStdin(ctx.io.stdin))
        : await promptHidden(ctx.io, `Password for ${email}: `, 'Pipe the password in with --password-stdin.');
      if ([...password].length < 12) throw usageError('the password is too short', 'Use at least 12 characters.');
      const user = await openSession(ctx.env).client.request<UserView>('POST', '/api/v1/users', {
        body: { email, name, password, ...(flags.admin ? { admin: true } : {}) },
      });
      print(ctx, `Created user ${user.email ?? email}${flags.admin ? ' (instance admin)' : ''}.`);
    });
  withOutput(users.command('list').description('list user accounts (instance admin only)')).action(async (flags: { output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const res = await openSession(ctx.env).client.get<{ users: UserView[] }>('/api/v1/users');
    printRows(
      ctx,
      format,
      [
        { header: 'EMAIL', value: (u: UserView) => u.email, min: 12 },
        { header: 'NAME', value: (u) => u.name, min: 6 },
        { header: 'ADMIN', value: (u) => (u.admin ? 'yes' : 'no') },
        { header: 'CREATED (UTC)', value: (u) => u.createdAt, drop: 1 },
      ],
      res.users,
      'No users.',
    );
  });
}
