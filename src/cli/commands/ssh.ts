import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { SshCaView, SshCertificateView, SshRoleView } from '../../contract/ssh.js';
import { seg } from '../api-client.js';
import { usageError } from '../errors.js';
import { info, print } from '../env.js';
import { openSession, requireProjectEnv, type ScopeFlags } from '../session.js';
import { printRows, simpleFormat, withOutput, withScope, type ContextFactory } from './shared.js';

const list = (v: string | undefined): string[] | undefined =>
  v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter((x) => x !== '');

const duration = (s: number) => (s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

/** The certificate file OpenSSH looks for beside a key: id_ed25519.pub → id_ed25519-cert.pub. */
export function certPathFor(pubPath: string): string {
  return pubPath.endsWith('.pub') ? `${pubPath.slice(0, -4)}-cert.pub` : `${pubPath}-cert.pub`;
}

/** `bella ssh ca-key | roles create|list|delete | sign`: the environment's SSH certificate authority. */
export function registerSshCommands(program: Command, context: ContextFactory): void {
  const ssh = program.command('ssh').description("SSH certificates signed by the environment's certificate authority");
  const base = (p: string, e: string) => `/api/v1/projects/${seg(p)}/environments/${seg(e)}/ssh`;

  withOutput(withScope(ssh.command('ca-key')))
    .description("print the environment CA's public key (one line for sshd's TrustedUserCAKeys file)")
    .action(async (flags: ScopeFlags & { output?: string }) => {
      const ctx = context();
      const format = simpleFormat(flags.output);
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const ca = await session.client.get<SshCaView>(`${base(project, environment)}/ca`);
      print(ctx, format === 'json' ? JSON.stringify(ca, null, 2) : ca.publicKey);
    });

  const roles = ssh.command('roles').description('the roles that say which certificates may be signed');
  withScope(roles.command('create'))
    .description('create a signing role')
    .argument('<name>', 'role name, e.g. deploy')
    .option('--allowed-principals <list>', 'comma-separated accounts a certificate may name, e.g. deploy,ops')
    .option('--allow-empty-principals', 'allow certificates with no principal (valid for every account on a server that trusts the CA)')
    .option('--default-extensions <list>', 'extensions when the request names none (default permit-pty)')
    .option('--allowed-extensions <list>', 'extensions a request may ask for (default: the default extensions)')
    .option('--force-command <command>', 'critical option force-command')
    .option('--source-address <cidrs>', 'critical option source-address, e.g. 10.0.0.0/8')
    .option('--default-ttl <duration>', 'validity when the request names none, e.g. 1h (default 1h)')
    .option('--max-ttl <duration>', 'longest validity a request may ask for, e.g. 8h (default 8h, at most 90d)')
    .action(async (name: string, flags: ScopeFlags & Record<string, string | boolean | undefined>) => {
      const ctx = context();
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const criticalOptions: Record<string, string> = {};
      if (typeof flags.forceCommand === 'string') criticalOptions['force-command'] = flags.forceCommand;
      if (typeof flags.sourceAddress === 'string') criticalOptions['source-address'] = flags.sourceAddress;
      const r = await session.client.request<SshRoleView>('POST', `${base(project, environment)}/roles`, {
        body: {
          name,
          allowedPrincipals: list(flags.allowedPrincipals as string | undefined) ?? [],
          allowEmptyPrincipals: flags.allowEmptyPrincipals === true,
          defaultExtensions: list(flags.defaultExtensions as string | undefined),
          allowedExtensions: list(flags.allowedExtensions as string | undefined),
          criticalOptions,
          defaultTtl: flags.defaultTtl as string | undefined,
          maxTtl: flags.maxTtl as string | undefined,
        },
      });
      print(ctx, `Created SSH role ${r.name} in ${project}/${environment}: principals ${r.allowedPrincipals.join(',') || '(any)'}, extensions ${r.defaultExtensions.join(',') || '(none)'}, ttl ${duration(r.defaultTtlSeconds)} (max ${duration(r.maxTtlSeconds)}).`);
    });

  withOutput(withScope(roles.command('list')).description('list the signing roles of an environment')).action(async (flags: ScopeFlags & { output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const session = openSession(ctx.env);
    const { project, environment } = await requireProjectEnv(session, flags);
    const res = await session.client.get<{ roles: SshRoleView[] }>(`${base(project, environment)}/roles`);
    printRows(
      ctx,
      format,
      [
        { header: 'NAME', value: (r: SshRoleView) => r.name },
        { header: 'PRINCIPALS', value: (r) => r.allowedPrincipals.join(',') || (r.allowEmptyPrincipals ? '(any)' : '-'), min: 8 },
        { header: 'EXTENSIONS', value: (r) => r.defaultExtensions.join(','), drop: 2 },
        { header: 'TTL', value: (r) => `${duration(r.defaultTtlSeconds)} (max ${duration(r.maxTtlSeconds)})` },
        { header: 'CREATED BY', value: (r) => r.createdBy ?? '-', drop: 1 },
      ],
      res.roles,
      `No SSH roles in ${project}/${environment}. Create one: bella ssh roles create NAME --allowed-principals …`,
    );
  });

  withScope(roles.command('delete'))
    .description('delete a signing role (certificates already signed stay valid until they expire)')
    .argument('<name>', 'role name')
    .action(async (name: string, flags: ScopeFlags) => {
      const ctx = context();
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      await session.client.request('DELETE', `${base(project, environment)}/roles/${seg(name)}`);
      print(ctx, `Deleted SSH role ${name} from ${project}/${environment}.`);
    });

  withOutput(withScope(ssh.command('sign')))
    .description('have a public key signed; the certificate is written next to it as …-cert.pub')
    .option('-k, --key <file>', 'the public key file', join(homedir(), '.ssh', 'id_ed25519.pub'))
    .requiredOption('--role <name>', 'the signing role')
    .option('--principals <list>', 'comma-separated accounts to sign for (default: the role\'s only principal)')
    .option('--extensions <list>', "comma-separated extensions (default: the role's defaults)")
    .option('--ttl <duration>', "validity, e.g. 1h (default: the role's)")
    .option('--out <file>', 'where to write the certificate (default: KEY with -cert.pub)')
    .action(async (flags: ScopeFlags & { key: string; role: string; principals?: string; extensions?: string; ttl?: string; out?: string; output?: string }) => {
      const ctx = context();
      const format = simpleFormat(flags.output);
      if (!existsSync(flags.key)) throw usageError(`no public key at ${flags.key}`, 'Give the .pub file with -k, e.g. -k ~/.ssh/id_ed25519.pub (ssh-keygen -t ed25519 makes one).');
      const publicKey = readFileSync(flags.key, 'utf8');
      if (/PRIVATE KEY/.test(publicKey)) throw usageError(`${flags.key} is a private key`, 'Give the public key: the file ending in .pub. The private key never leaves your machine.');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const c = await session.client.request<SshCertificateView>('POST', `${base(project, environment)}/sign`, {
        body: { publicKey: publicKey.trim(), role: flags.role, principals: list(flags.principals), extensions: list(flags.extensions), ttl: flags.ttl },
      });
      const out = flags.out ?? certPathFor(flags.key);
      writeFileSync(out, `${c.certificate}\n`, { mode: 0o644 });
      if (format === 'json') return print(ctx, JSON.stringify({ ...c, file: out }, null, 2));
      info(ctx, `Signed ${c.fingerprint} for ${c.principals.join(',') || '(any principal)'} until ${c.validBefore} (serial ${c.serial}, key id ${c.keyId}).`);
      print(ctx, `Certificate written to ${out}.`);
    });
}
