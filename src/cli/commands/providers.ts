import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PROVIDER_TYPES, type ProviderCheckView, type ProviderView } from '../../contract/providers.js';
import { seg } from '../api-client.js';
import { usageError } from '../errors.js';
import { print, type CommandContext } from '../env.js';
import { readAllStdin, stripFinalNewline } from '../prompt.js';
import { openSession, requireProject, requireProjectEnv, type ScopeFlags } from '../session.js';
import { printRows, simpleFormat, withOutput, withScope, type ContextFactory } from './shared.js';

interface CreateFlags {
  type: string;
  config?: string;
  host?: string;
  port?: string;
  database?: string;
  username?: string;
  passwordStdin?: boolean;
  usernamePrefix?: string;
  creationStatements?: string;
  grantStatements?: string;
  revocationStatements?: string;
}

/** Settings from --config (a JSON file, or - for stdin) overlaid with the PostgresDynamic flags. */
async function configurationOf(ctx: CommandContext, f: CreateFlags): Promise<Record<string, unknown>> {
  let config: Record<string, unknown> = {};
  if (f.config !== undefined) {
    if (f.config === '-' && f.passwordStdin) throw usageError('--config - and --password-stdin both read stdin; use one');
    const text = f.config === '-' ? await readAllStdin(ctx.io.stdin) : readFileSync(f.config, 'utf8');
    try {
      config = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw usageError(`--config ${f.config} is not a JSON object`);
    }
  }
  const set = (k: string, v: unknown) => v !== undefined && (config[k] = v);
  set('host', f.host);
  if (f.port !== undefined) {
    if (!/^\d{1,5}$/.test(f.port)) throw usageError(`invalid --port ${JSON.stringify(f.port)}`);
    set('port', Number(f.port));
  }
  set('database', f.database);
  set('username', f.username);
  set('usernamePrefix', f.usernamePrefix);
  for (const [flag, key] of [[f.creationStatements, 'creationStatements'], [f.grantStatements, 'grantStatements'], [f.revocationStatements, 'revocationStatements']] as const) {
    if (flag !== undefined) set(key, flag.startsWith('@') ? readFileSync(flag.slice(1), 'utf8') : flag);
  }
  // The password only through stdin or the config file: never in the shell history or `ps`.
  if (f.passwordStdin) set('password', stripFinalNewline(await readAllStdin(ctx.io.stdin)));
  return config;
}

const describe = (p: ProviderView) =>
  Object.entries(p.configuration)
    .filter(([k]) => !/Statements$/.test(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');

/** `bella providers create|list|show|delete|assign|check` and `bella environments assign-provider`. */
export function registerProviderCommands(program: Command, context: ContextFactory): void {
  const providers = program.command('providers').description('where credentials come from: the built-in System store, PostgreSQL dynamic roles (instance admin)');

  withOutput(
    providers
      .command('create')
      .description('configure a provider; its settings are checked live and its secrets sealed')
      .argument('<name>', 'provider name, e.g. pg-main')
      .requiredOption('--type <type>', PROVIDER_TYPES.filter((t) => t !== 'System').join('|'))
      .option('--config <file>', 'settings as a JSON file (- for stdin)')
      .option('--host <host>', 'PostgresDynamic: database host')
      .option('--port <port>', 'PostgresDynamic: database port (default 5432)')
      .option('--database <name>', 'PostgresDynamic: database to connect to and grant on')
      .option('--username <role>', 'PostgresDynamic: admin role with CREATEROLE')
      .option('--password-stdin', "PostgresDynamic: read the admin role's password from stdin")
      .option('--username-prefix <prefix>', 'PostgresDynamic: prefix of created roles (default bella_)')
      .option('--creation-statements <sql>', 'template with {{username}} {{password}} {{expiration}} (@FILE reads a file)')
      .option('--grant-statements <sql>', 'template run after creation (@FILE reads a file)')
      .option('--revocation-statements <sql>', 'template run before the role is dropped (@FILE reads a file)'),
  ).action(async (name: string, flags: CreateFlags & { output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const type = PROVIDER_TYPES.find((t) => t.toLowerCase() === flags.type.trim().toLowerCase());
    if (!type) throw usageError(`invalid --type ${JSON.stringify(flags.type)}`, `Valid types: ${PROVIDER_TYPES.join(', ')}.`);
    const configuration = await configurationOf(ctx, flags);
    const p = await openSession(ctx.env).client.request<ProviderView>('POST', '/api/v1/providers', { body: { name, type, configuration } });
    print(ctx, format === 'json' ? JSON.stringify(p, null, 2) : `Created provider ${p.name} (${p.type}): ${describe(p)}. Recorded as ProviderCreated.`);
  });

  withOutput(providers.command('list').description('list providers')).action(async (flags: { output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const res = await openSession(ctx.env).client.get<{ providers: ProviderView[] }>('/api/v1/providers');
    printRows(
      ctx,
      format,
      [
        { header: 'NAME', value: (p: ProviderView) => p.name },
        { header: 'TYPE', value: (p) => p.type },
        { header: 'ASSIGNED TO', value: (p) => (p.builtIn ? 'every project' : p.assignments.map((a) => (a.environment ? `${a.project}/${a.environment}` : a.project)).join(', ') || '-'), min: 10 },
        { header: 'CREATED BY', value: (p) => p.createdBy ?? '(built in)', drop: 1 },
      ],
      res.providers,
      'No providers.',
    );
  });

  withOutput(providers.command('show').description("show a provider's settings (secrets as ***ENCRYPTED***)").argument('<name>')).action(
    async (name: string, flags: { output?: string }) => {
      const ctx = context();
      const p = await openSession(ctx.env).client.get<ProviderView>(`/api/v1/providers/${seg(name)}`);
      if (simpleFormat(flags.output) === 'json') return print(ctx, JSON.stringify(p, null, 2));
      const lines = [`${p.name} (${p.type}${p.builtIn ? ', built in' : ''})`, ...Object.entries(p.configuration).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)];
      lines.push(`  assigned to: ${p.builtIn ? 'every project' : p.assignments.map((a) => (a.environment ? `${a.project}/${a.environment}` : a.project)).join(', ') || '-'}`);
      print(ctx, lines.join('\n'));
    },
  );

  providers
    .command('delete')
    .description('delete a provider')
    .argument('<name>')
    .action(async (name: string) => {
      const ctx = context();
      await openSession(ctx.env).client.request('DELETE', `/api/v1/providers/${seg(name)}`);
      print(ctx, `Deleted provider ${name}. Recorded as ProviderDeleted.`);
    });

  providers
    .command('assign')
    .description('assign a provider to a project (all its environments)')
    .argument('<name>')
    .option('-p, --project <slug>', 'project (default: API key scope, BELLA_BAXTER_PROJECT, .bella)')
    .action(async (name: string, flags: { project?: string }) => {
      const ctx = context();
      const session = openSession(ctx.env);
      const project = await requireProject(session, flags);
      await session.client.request('PUT', `/api/v1/projects/${seg(project)}/providers/${seg(name)}`);
      print(ctx, `Assigned provider ${name} to project ${project}.`);
    });

  withOutput(providers.command('check').description("compare a PostgresDynamic provider's roles with its active leases").argument('<name>')).action(
    async (name: string, flags: { output?: string }) => {
      const ctx = context();
      const c = await openSession(ctx.env).client.get<ProviderCheckView>(`/api/v1/providers/${seg(name)}/check`);
      if (simpleFormat(flags.output) === 'json') return print(ctx, JSON.stringify(c, null, 2));
      const lines = [`Checked ${c.provider} at ${c.checkedAt}.`];
      lines.push(c.orphans.length ? `Orphaned roles (no active lease): ${c.orphans.join(', ')}` : 'No orphaned roles.');
      lines.push(c.missing.length ? `Active leases whose role is missing: ${c.missing.join(', ')}` : 'Every active lease has its role.');
      print(ctx, lines.join('\n'));
    },
  );

  const envs = program.commands.find((c) => c.name() === 'environments');
  if (!envs) throw new Error('the environments command must be registered first');
  withScope(envs.command('assign-provider'))
    .description('assign a provider to one environment')
    .argument('<name>', 'provider name')
    .action(async (name: string, flags: ScopeFlags) => {
      const ctx = context();
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      await session.client.request('PUT', `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/providers/${seg(name)}`);
      print(ctx, `Assigned provider ${name} to ${project}/${environment}.`);
    });
}
