import type { Command } from 'commander';
import { emailSchema, type LoginResponse, type WhoAmI } from '../../contract/api.js';
import { ApiClient, apiKeyAuth } from '../api-client.js';
import { loadCredential, removeCredential, saveCredential } from '../credentials.js';
import { CliError, LOGIN_HINT, usageError } from '../errors.js';
import { info, print } from '../env.js';
import { promptHidden, readAllStdin, stripFinalNewline } from '../prompt.js';
import { openSession } from '../session.js';
import { simpleFormat, type ContextFactory } from './shared.js';

/** Validates an email before sending it, so a typo is a usage error rather than a failed login. */
export function checkEmail(value: string): string {
  const r = emailSchema.safeParse(value);
  if (!r.success) throw usageError(`invalid email ${JSON.stringify(value)}`, 'Pass an address like alice@example.com.');
  return r.data;
}

interface LoginFlags {
  email?: string;
  passwordStdin?: boolean;
  apiKey?: string;
}

export function registerAuthCommands(program: Command, context: ContextFactory): void {
  program
    .command('login')
    .description('log in with email and password (prompted without echo) or store an API key')
    .option('--email <email>', 'your account email')
    .option('--password-stdin', 'read the password from stdin instead of prompting')
    .option('--api-key <key>', 'store an API key (bax-…) instead; "-" reads it from stdin')
    .action(async (flags: LoginFlags) => {
      const ctx = context();
      const { env } = ctx;
      if ((flags.email === undefined) === (flags.apiKey === undefined)) {
        throw usageError('pass either --email EMAIL or --api-key KEY', 'Example: bella login --email alice@example.com');
      }
      if (flags.apiKey !== undefined) {
        const key = flags.apiKey === '-' ? stripFinalNewline(await readAllStdin(ctx.io.stdin)).trim() : flags.apiKey;
        const client = new ApiClient(env.url, apiKeyAuth(key), env.urlFromEnv);
        const who = await client.get<WhoAmI>('/api/v1/auth/whoami');
        saveCredential(env.configDir, env.url, {
          kind: 'apiKey',
          apiKey: key,
          projectSlug: who.apiKey?.projectSlug ?? null,
          environmentSlug: who.apiKey?.environmentSlug ?? null,
        });
        const scope = who.apiKey ? ` (scope ${who.apiKey.projectSlug}/${who.apiKey.environmentSlug}, role ${who.apiKey.role})` : '';
        return print(ctx, `Stored API key ${who.apiKey?.id ?? who.actor.id ?? ''} for ${env.url}${scope}.`);
      }
      const email = checkEmail(flags.email as string);
      const password = flags.passwordStdin
        ? stripFinalNewline(await readAllStdin(ctx.io.stdin))
        : await promptHidden(ctx.io, 'Password: ', 'Pipe the password in with --password-stdin.');
      if (password === '') throw usageError('the password is empty', 'Type it at the prompt, or pipe it with --password-stdin.');
      const client = new ApiClient(env.url, { kind: 'none' }, env.urlFromEnv);
      let res: LoginResponse;
      try {
        res = await client.request<LoginResponse>('POST', '/api/v1/auth/login', { body: { email, password } });
      } catch (err) {
        // The login route answers 401 for a wrong password; say so rather than "not logged in".
        if (err instanceof CliError && err.exitCode === 3) {
          throw new CliError(3, `login failed for ${email}: wrong email or password`, 'Check both and try again; ask your instance admin to reset the password if needed.');
        }
        throw err;
      }
      saveCredential(env.configDir, env.url, { kind: 'session', token: res.token, email: res.user.email, expiresAt: res.expiresAt });
      print(ctx, `Logged in to ${env.url} as ${res.user.email} (session expires ${res.expiresAt}).`);
    });

  program
    .command('logout')
    .description('end the session on the server and forget the stored login')
    .action(async () => {
      const ctx = context();
      const { env } = ctx;
      const cred = loadCredential(env.configDir, env.url);
      if (cred === null) return print(ctx, `Not logged in to ${env.url}; nothing to do.`);
      if (cred.kind === 'session') {
        try {
          await openSession({ ...env, apiKey: null }).client.request('POST', '/api/v1/auth/logout');
        } catch (err) {
          // Forget the token locally anyway: logging out must work even when the server is gone.
          if (err instanceof CliError) info(ctx, `bella: warning: the server did not end the session (${err.message}); forgetting it locally.`);
          else throw err;
        }
      }
      removeCredential(env.configDir, env.url);
      print(ctx, `Logged out of ${env.url}.`);
    });

  program
    .command('whoami')
    .description('show who the current credentials belong to')
    .option('-o, --output <format>', 'table or json')
    .action(async (flags: { output?: string }) => {
      const ctx = context();
      const format = simpleFormat(flags.output);
      const session = openSession(ctx.env);
      if (session.source === 'none') throw new CliError(3, `not logged in to ${ctx.env.url}`, LOGIN_HINT);
      const who = await session.client.get<WhoAmI>('/api/v1/auth/whoami');
      if (format === 'json') return print(ctx, JSON.stringify({ server: ctx.env.url, credentials: session.source, ...who }, null, 2));
      const a = who.actor;
      const lines = [
        `Server:      ${ctx.env.url}`,
        `Credentials: ${session.source}`,
        `Actor:       ${a.type} ${a.email ?? a.name ?? a.id ?? ''}${a.name && a.email ? ` (${a.name})` : ''}`,
        `Admin:       ${who.admin ? 'yes' : 'no'}`,
      ];
      if (who.apiKey) lines.push(`API key:     ${who.apiKey.id} (${who.apiKey.projectSlug}/${who.apiKey.environmentSlug}, ${who.apiKey.role})`);
      const c = who.credential;
      if (c && c.kind !== 'apiKey') {
        const what = c.kind === 'lease' ? `lease ${c.id} (${c.projectSlug}/${c.environmentSlug}, read only: ${(c.scope ?? []).join(', ')})` : `trust token ${c.id} (${c.projectSlug}/${c.environmentSlug}, ${c.role})`;
        lines.push(`Token:       ${what}, expires ${c.expiresAt ?? '-'}`);
      }
      print(ctx, lines.join('\n'));
    });
}
