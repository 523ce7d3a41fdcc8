import type { Command } from 'commander';
import { MAX_SECRET_BYTES, SECRET_KEY_RE, type SecretKeyView, type SecretView } from '../../contract/api.js';
import { seg } from '../api-client.js';
import { usageError } from '../errors.js';
import { type CommandContext, print } from '../env.js';
import { promptHidden, readAllStdin, stripFinalNewline } from '../prompt.js';
import { openSession, requireProjectEnv, type ScopeFlags } from '../session.js';
import { printRows, simpleFormat, withOutput, withScope, type ContextFactory } from './shared.js';

export function checkSecretKey(key: string): string {
  if (!SECRET_KEY_RE.test(key)) {
    throw usageError(`invalid secret key ${JSON.stringify(key)}`, 'Use a letter or underscore, then letters, digits, _ . or - (at most 256), e.g. DATABASE_URL.');
  }
  return key;
}

/** The value from the argument, else a no-echo prompt on a terminal, else all of stdin. */
async function secretValue(ctx: CommandContext, key: string, arg: string | undefined): Promise<string> {
  let value: string;
  if (arg !== undefined) value = arg;
  else if (ctx.io.stdin.isTTY === true) value = await promptHidden(ctx.io, `Value for ${key}: `, 'Pipe the value in on stdin.');
  else {
    value = stripFinalNewline(await readAllStdin(ctx.io.stdin));
    // An empty stdin is far more often a script without input than a wish to blank the secret.
    if (value === '') throw usageError('no value on stdin', `Pipe the value in, or pass it as an argument (bella secrets set ${key} '' to store an empty value).`);
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
    throw usageError(`the value is ${Buffer.byteLength(value, 'utf8')} bytes`, `Secret values are limited to ${MAX_SECRET_BYTES} bytes (64 KiB).`);
  }
  return value;
}

function secretsPath(project: string, environment: string, key?: string): string {
  const base = `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/secrets`;
  return key === undefined ? base : `${base}/${seg(key)}`;
}

export function registerSecretCommands(program: Command, context: ContextFactory): void {
  const secrets = program.command('secrets').description('set, read, list and delete secrets of an environment');

  withScope(secrets.command('set'))
    .description('create or update a secret; omit VALUE to be prompted (no echo) or to read it from stdin')
    .argument('<key>', 'secret name, e.g. DATABASE_URL')
    .argument('[value]', 'the value (visible in shell history; prefer the prompt or stdin)')
    .action(async (key: string, arg: string | undefined, flags: ScopeFlags) => {
      const ctx = context();
      checkSecretKey(key);
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const value = await secretValue(ctx, key, arg);
      const res = await session.client.request<{ key: string; version: number; created: boolean }>('PUT', secretsPath(project, environment, key), {
        body: { value },
      });
      print(ctx, `${res.created ? 'Created' : 'Updated'} ${key} in ${project}/${environment} (version ${res.version}).`);
    });

  withScope(secrets.command('get'))
    .description('print a secret\'s value')
    .argument('<key>', 'secret name')
    .option('-o, --output <format>', 'value (default) or json')
    .option('--at-version <n>', 'read an earlier version (versions are in the Audit Log details and in GET …/secrets/KEY/versions)')
    .action(async (key: string, flags: ScopeFlags & { output?: string; atVersion?: string }) => {
      const ctx = context();
      checkSecretKey(key);
      const out = flags.output?.toLowerCase() ?? 'value';
      if (out !== 'value' && out !== 'json') throw usageError(`invalid --output ${JSON.stringify(flags.output)}`, 'Valid values: value, json.');
      if (flags.atVersion !== undefined && !/^[1-9]\d{0,9}$/.test(flags.atVersion)) {
        throw usageError(`invalid --at-version ${JSON.stringify(flags.atVersion)}`, 'Give a version number: 1, 2, 3, …');
      }
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const query = flags.atVersion === undefined ? '' : `?version=${flags.atVersion}`;
      const s = await session.client.values<SecretView>('GET', `${secretsPath(project, environment, key)}${query}`);
      print(ctx, out === 'json' ? JSON.stringify(s, null, 2) : s.value);
    });

  withOutput(withScope(secrets.command('list')).description('list secret names (never values)')).action(
    async (flags: ScopeFlags & { output?: string }) => {
      const ctx = context();
      const format = simpleFormat(flags.output);
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const res = await session.client.get<{ secrets: SecretKeyView[] }>(`${secretsPath(project, environment)}/manifest`);
      printRows(
        ctx,
        format,
        [
          { header: 'KEY', value: (s: SecretKeyView) => s.key, min: 12 },
          { header: 'VERSION', value: (s) => String(s.version) },
          { header: 'UPDATED (UTC)', value: (s) => s.updatedAt, drop: 2 },
          { header: 'UPDATED BY', value: (s) => s.updatedBy ?? '-', min: 8, drop: 1 },
        ],
        res.secrets,
        `No secrets in ${project}/${environment}; add one with \`bella secrets set KEY\`.`,
      );
    },
  );

  withScope(secrets.command('delete'))
    .description('delete a secret')
    .argument('<key>', 'secret name')
    .action(async (key: string, flags: ScopeFlags) => {
      const ctx = context();
      checkSecretKey(key);
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      await session.client.request('DELETE', secretsPath(project, environment, key));
      print(ctx, `Deleted ${key} from ${project}/${environment}.`);
    });
}
