import type { Command } from 'commander';
import type { ApiKeyView, CreatedApiKey } from '../../contract/api.js';
import { API_KEY_ROLES } from '../../contract/roles.js';
import { parseApiKey } from '../../contract/signing.js';
import { seg } from '../api-client.js';
import { usageError } from '../errors.js';
import { info, print } from '../env.js';
import { openSession, requireProjectEnv, type ScopeFlags } from '../session.js';
import { printRows, simpleFormat, withOutput, withScope, type ContextFactory } from './shared.js';

/** Accepts a key id, or a whole bax-… key (its id is used; the secret is never sent). */
export function keyIdOf(value: string): string {
  const parsed = parseApiKey(value.trim());
  if (parsed) return parsed.id;
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(value)) throw usageError(`invalid API key id ${JSON.stringify(value)}`, '`bella api-keys list` shows the ids.');
  return value;
}

export function registerApiKeyCommands(program: Command, context: ContextFactory): void {
  const keys = program.command('api-keys').description('create, list and revoke API keys scoped to one environment');

  withScope(keys.command('create'))
    .description('create an API key; the key is printed once on stdout')
    .requiredOption('--name <name>', 'what the key is for, e.g. "ci deploy"')
    .option('--role <role>', API_KEY_ROLES.join('|'), 'CONSUMER')
    .action(async (flags: ScopeFlags & { name: string; role: string }) => {
      const ctx = context();
      const role = API_KEY_ROLES.find((r) => r === flags.role.trim().toUpperCase());
      if (!role) throw usageError(`invalid --role ${JSON.stringify(flags.role)}`, `Valid roles: ${API_KEY_ROLES.join(', ')}.`);
      if (flags.name.trim() === '' || /[\u0000-\u001f\u007f]/.test(flags.name)) throw usageError('invalid --name: must be non-empty text on one line');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const k = await session.client.request<CreatedApiKey>('POST', `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/api-keys`, {
        body: { name: flags.name, role },
      });
      // The key alone on stdout so `KEY=$(bella api-keys create …)` works; the notice goes to stderr.
      info(ctx, `Created API key ${k.id} (${k.role}) for ${project}/${environment}. It is shown only once: store it now.`);
      print(ctx, k.key);
    });

  withOutput(withScope(keys.command('list')).description('list the API keys of an environment')).action(
    async (flags: ScopeFlags & { output?: string }) => {
      const ctx = context();
      const format = simpleFormat(flags.output);
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const res = await session.client.get<{ apiKeys: ApiKeyView[] }>(`/api/v1/projects/${seg(project)}/environments/${seg(environment)}/api-keys`);
      printRows(
        ctx,
        format,
        [
          { header: 'ID', value: (k: ApiKeyView) => k.id },
          { header: 'NAME', value: (k) => k.name, min: 8 },
          { header: 'ROLE', value: (k) => k.role },
          { header: 'CREATED (UTC)', value: (k) => k.createdAt, drop: 2 },
          { header: 'REVOKED (UTC)', value: (k) => k.revokedAt ?? '-', drop: 1 },
        ],
        res.apiKeys,
        `No API keys in ${project}/${environment}.`,
      );
    },
  );

  keys
    .command('revoke')
    .description('revoke an API key by id')
    .argument('<id>', 'the key id from `bella api-keys list`')
    .action(async (idArg: string) => {
      const ctx = context();
      const id = keyIdOf(idArg);
      await openSession(ctx.env).client.request('DELETE', `/api/v1/api-keys/${seg(id)}`);
      print(ctx, `Revoked API key ${id}.`);
    });
}
