import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { safeJsonStringify } from '../../contract/text-safety.js';
import { TRUST_ROLES, type ClaimRule, type TrustDomainView } from '../../contract/trust.js';
import { seg } from '../api-client.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { info, print } from '../env.js';
import { exchangeOidcToken, githubIdToken } from '../oidc.js';
import { readAllStdin, stripFinalNewline } from '../prompt.js';
import { saveCredential } from '../credentials.js';
import { checkSlug, openSession, requireProjectEnv, resolveScope, type ScopeFlags } from '../session.js';
import { printRows, simpleFormat, withOutput, withScope, type ContextFactory } from './shared.js';

const RULE_HINT = 'A rule is CLAIM=VALUE (Equals), CLAIM^=PREFIX (StartsWith) or CLAIM~=GLOB (Glob, * matches anything); separate alternative values with |, e.g. --rule "ref=refs/heads/main|refs/heads/release". CLAIM may be a JSON pointer (/a/b).';

/** `repository_id=2002`, `sub^=repo:acme/`, `sub~=repo:acme/*:ref:*`, values OR-ed with `|`. */
export function parseRule(text: string): ClaimRule {
  const m = /^([^=^~]+?)(\^=|~=|=)(.+)$/s.exec(text);
  if (!m) throw usageError(`invalid --rule ${JSON.stringify(text)}`, RULE_HINT);
  const operator = m[2] === '^=' ? 'StartsWith' : m[2] === '~=' ? 'Glob' : 'Equals';
  const values = (m[3] as string).split('|');
  if (values.some((v) => v === '')) throw usageError(`invalid --rule ${JSON.stringify(text)}: an empty value`, RULE_HINT);
  return { claim: (m[1] as string).trim(), operator, value: values.length === 1 ? (values[0] as string) : values };
}

const collect = (v: string, acc: string[] = []) => [...acc, v];
function roleFlag(value: string): (typeof TRUST_ROLES)[number] {
  const role = TRUST_ROLES.find((r) => r === value.trim().toUpperCase());
  if (!role) throw usageError(`invalid --role ${JSON.stringify(value)}`, `Valid roles: ${TRUST_ROLES.join(', ')}.`);
  return role;
}
function ttlFlag(value: string): number {
  const ttl = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(ttl >= 1 && ttl <= 480)) throw usageError(`invalid --ttl-minutes ${JSON.stringify(value)}`, 'A whole number of minutes from 1 to 480.');
  return ttl;
}
const base = (project: string, environment: string) => `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/trust-domains`;
const ruleText = (r: ClaimRule) => `${r.claim}${r.operator === 'StartsWith' ? '^=' : r.operator === 'Glob' ? '~=' : '='}${typeof r.value === 'string' ? r.value : r.value.join('|')}`;

export function registerTrustDomainCommands(program: Command, context: ContextFactory): void {
  const td = program.command('trust-domains').description('trust OIDC issuers (GitHub Actions …) to exchange their tokens for access: keyless CI');

  withScope(td.command('create'))
    .description('create a trust domain in an environment (at least one --rule)')
    .argument('<name>', 'a slug, e.g. github-deploy')
    .requiredOption('--issuer <url>', 'the OIDC issuer, exactly as its tokens name it, e.g. https://token.actions.githubusercontent.com')
    .option('--rule <rule>', 'a claim rule (repeatable; all must hold): CLAIM=VALUE, CLAIM^=PREFIX, CLAIM~=GLOB, values OR-ed with |', collect)
    .option('--audience <aud>', 'an accepted audience (repeatable; default bella-baxter)', collect)
    .option('--ttl-minutes <n>', 'how long an issued trust token lasts, 1–480 (default 15)')
    .option('--role <role>', TRUST_ROLES.join('|'), 'CONSUMER')
    .action(async (name: string, flags: ScopeFlags & { issuer: string; rule?: string[]; audience?: string[]; ttlMinutes?: string; role: string }) => {
      const ctx = context();
      checkSlug(name, 'trust domain name');
      const rules = (flags.rule ?? []).map(parseRule);
      if (rules.length === 0) throw usageError('a trust domain needs at least one --rule', RULE_HINT);
      const role = roleFlag(flags.role);
      const ttl = flags.ttlMinutes === undefined ? undefined : ttlFlag(flags.ttlMinutes);
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const d = await session.client.request<TrustDomainView>('POST', base(project, environment), {
        body: { name, oidcIssuerUrl: flags.issuer, claimRules: rules, grantedRole: role, ...(flags.audience ? { acceptedAudiences: flags.audience } : {}), ...(ttl !== undefined ? { issuedTokenTtlMinutes: ttl } : {}) },
      });
      print(ctx, `Created trust domain ${d.name} in ${project}/${environment}: tokens of ${d.oidcIssuerUrl} with ${d.claimRules.map(ruleText).join(' and ')} get ${d.grantedRole} for ${d.issuedTokenTtlMinutes} min.`);
    });

  withScope(td.command('update'))
    .description('change a trust domain: only the fields given (--rule replaces every rule, --audience every audience)')
    .argument('<name>')
    .option('--issuer <url>', 'the OIDC issuer')
    .option('--rule <rule>', 'a claim rule (repeatable; replaces the rules)', collect)
    .option('--audience <aud>', 'an accepted audience (repeatable; replaces the audiences)', collect)
    .option('--ttl-minutes <n>', 'how long an issued trust token lasts, 1–480')
    .option('--role <role>', TRUST_ROLES.join('|'))
    .action(async (name: string, flags: ScopeFlags & { issuer?: string; rule?: string[]; audience?: string[]; ttlMinutes?: string; role?: string }) => {
      const ctx = context();
      checkSlug(name, 'trust domain name');
      const body: Record<string, unknown> = {};
      if (flags.issuer !== undefined) body.oidcIssuerUrl = flags.issuer;
      if (flags.rule) body.claimRules = flags.rule.map(parseRule);
      if (flags.audience) body.acceptedAudiences = flags.audience;
      if (flags.ttlMinutes !== undefined) body.issuedTokenTtlMinutes = ttlFlag(flags.ttlMinutes);
      if (flags.role !== undefined) body.grantedRole = roleFlag(flags.role);
      if (Object.keys(body).length === 0) throw usageError('nothing to change', 'Pass --issuer, --rule, --audience, --ttl-minutes or --role.');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const d = await session.client.request<TrustDomainView>('PATCH', `${base(project, environment)}/${seg(name)}`, { body });
      print(ctx, `Updated trust domain ${d.name} in ${project}/${environment}: ${d.claimRules.map(ruleText).join(' and ')} → ${d.grantedRole} for ${d.issuedTokenTtlMinutes} min.`);
    });

  withOutput(withScope(td.command('list')))
    .description('list the trust domains of an environment')
    .action(async (flags: ScopeFlags & { output?: string }) => {
      const ctx = context();
      const format = simpleFormat(flags.output);
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const res = await session.client.get<{ trustDomains: TrustDomainView[] }>(base(project, environment));
      printRows(
        ctx,
        format,
        [
          { header: 'NAME', value: (d: TrustDomainView) => d.name },
          { header: 'ISSUER', value: (d) => d.oidcIssuerUrl, min: 10 },
          { header: 'RULES', value: (d) => d.claimRules.map(ruleText).join(' & '), min: 10 },
          { header: 'ROLE', value: (d) => d.grantedRole },
          { header: 'TTL', value: (d) => `${d.issuedTokenTtlMinutes}m`, drop: 1 },
        ],
        res.trustDomains,
        `No trust domains in ${project}/${environment}.`,
      );
    });

  withOutput(withScope(td.command('show')))
    .description('show one trust domain')
    .argument('<name>')
    .action(async (name: string, flags: ScopeFlags & { output?: string }) => {
      const ctx = context();
      const format = simpleFormat(flags.output);
      checkSlug(name, 'trust domain name');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const d = await session.client.get<TrustDomainView>(`${base(project, environment)}/${seg(name)}`);
      if (format === 'json') return print(ctx, safeJsonStringify(d, 2));
      print(
        ctx,
        [
          `Name:        ${d.name} (${d.projectSlug}/${d.environmentSlug})`,
          `Issuer:      ${d.oidcIssuerUrl}`,
          `Rules:       ${d.claimRules.map(ruleText).join('\n             ')}`,
          `Audiences:   ${d.acceptedAudiences.join(', ')}`,
          `Grants:      ${d.grantedRole} for ${d.issuedTokenTtlMinutes} min`,
          `Created:     ${d.createdAt} by ${d.createdBy ?? '-'} (updated ${d.updatedAt})`,
        ].join('\n'),
      );
    });

  withScope(td.command('delete'))
    .description('delete a trust domain (the trust tokens it issued stop working)')
    .argument('<name>')
    .action(async (name: string, flags: ScopeFlags) => {
      const ctx = context();
      checkSlug(name, 'trust domain name');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      await session.client.request('DELETE', `${base(project, environment)}/${seg(name)}`);
      print(ctx, `Deleted trust domain ${name} from ${project}/${environment}.`);
    });
}

/** `bella auth oidc`: exchange an OIDC token (a file, stdin, or the GitHub Actions job's) and store the trust token. */
export function registerAuthOidcCommand(program: Command, context: ContextFactory): void {
  const auth = program.command('auth').description('keyless authentication');
  withScope(auth.command('oidc'))
    .description('exchange an OIDC token for a trust token and use it for the next commands (inside GitHub Actions with no flag: the job\'s token)')
    .option('--token-file <file>', 'read the OIDC token (a JWT) from a file')
    .option('--token <token>', '"-" reads the OIDC token from stdin')
    .action(async (flags: ScopeFlags & { tokenFile?: string; token?: string }) => {
      const ctx = context();
      const { env } = ctx;
      if (flags.token !== undefined && flags.token !== '-') throw usageError('--token takes only "-" (read from stdin)', 'A token on the command line would land in shell history and process lists; use --token-file or --token -.');
      if (flags.token !== undefined && flags.tokenFile !== undefined) throw usageError('pass either --token-file or --token -, not both');
      let oidcToken: string;
      if (flags.tokenFile !== undefined) {
        try {
          oidcToken = readFileSync(flags.tokenFile, 'utf8').trim();
        } catch (e) {
          throw new CliError(EXIT.error, `cannot read ${flags.tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      } else if (flags.token === '-') oidcToken = stripFinalNewline(await readAllStdin(ctx.io.stdin)).trim();
      else oidcToken = await githubIdToken(env);
      if (oidcToken === '') throw usageError('the OIDC token is empty');
      // The scope comes from flags, BELLA_BAXTER_PROJECT/ENV or .bella; a stored credential plays no part.
      const scope = await resolveScope(openSession({ ...env, apiKey: null, githubOidc: null, configDir: `${env.configDir}/.none` }), flags);
      if (scope.project === null || scope.environment === null) {
        throw usageError('no project and environment to exchange the token for', 'Pass --project and --environment, set BELLA_BAXTER_PROJECT and BELLA_BAXTER_ENV, or run `bella context init PROJECT ENVIRONMENT`.');
      }
      const x = await exchangeOidcToken(env, oidcToken, scope.project, scope.environment);
      saveCredential(env.configDir, env.url, { kind: 'issuedToken', token: x.token, expiresAt: x.expiresAt, projectSlug: x.projectSlug, environmentSlug: x.environmentSlug });
      info(ctx, `Trust domain ${x.trustDomain} accepted the token.`);
      print(ctx, `Stored a trust token for ${env.url} (${x.projectSlug}/${x.environmentSlug}, ${x.role}) until ${x.expiresAt}.`);
    });
}
