import { CLIENT_HELP, CLIENT_RE, SLUG_HELP, SLUG_RE } from '../contract/log-query.js';
import type { WhoAmI } from '../contract/api.js';
import { ApiClient, apiKeyAuth, type ClientAuth } from './api-client.js';
import { findContextFile } from './context-file.js';
import { loadCredential } from './credentials.js';
import { exchangeOidcToken, githubIdToken } from './oidc.js';
import type { CliEnv } from './env.js';
import { usageError } from './errors.js';

/** Where the credentials of a command come from, in precedence order. */
export type CredentialSource = 'BELLA_BAXTER_API_KEY' | 'stored API key' | 'stored session' | 'stored trust token' | 'GitHub Actions OIDC' | 'none';

export interface Session {
  readonly env: CliEnv;
  readonly client: ApiClient;
  readonly source: CredentialSource;
  /** The API key's (or lease's, or trust token's) project and environment, or null when not using one */
  apiKeyScope(): Promise<{ readonly project: string; readonly environment: string } | null>;
  /**
   * Inside GitHub Actions with no stored credential: the environment to exchange the job's OIDC token
   * for, set once the command knows its project and environment (before its first request).
   */
  exchangeFor(project: string, environment: string): void;
}

/** Picks credentials: BELLA_BAXTER_API_KEY, else the login stored for this server URL. */
export function openSession(env: CliEnv): Session {
  if (env.appClient !== null && !CLIENT_RE.test(env.appClient)) {
    throw usageError(`invalid application name ${JSON.stringify(env.appClient)}`, `BELLA_BAXTER_APP_CLIENT and --app take ${CLIENT_HELP}.`);
  }
  let auth: ClientAuth = { kind: 'none' };
  let source: CredentialSource = 'none';
  let storedScope: { project: string; environment: string } | null = null;
  let target: { project: string; environment: string } | null = null;
  if (env.apiKey !== null) {
    auth = apiKeyAuth(env.apiKey);
    source = 'BELLA_BAXTER_API_KEY';
  } else {
    const cred = loadCredential(env.configDir, env.url);
    if (cred?.kind === 'session') {
      auth = { kind: 'session', token: cred.token };
      source = 'stored session';
    } else if (cred?.kind === 'apiKey') {
      auth = apiKeyAuth(cred.apiKey);
      source = 'stored API key';
      if (cred.projectSlug && cred.environmentSlug) storedScope = { project: cred.projectSlug, environment: cred.environmentSlug };
    } else if (cred?.kind === 'issuedToken') {
      auth = { kind: 'session', token: cred.token };
      source = 'stored trust token';
      storedScope = { project: cred.projectSlug, environment: cred.environmentSlug };
    } else if (env.githubOidc) {
      // Keyless inside GitHub Actions: the job's OIDC token is exchanged on the first request.
      source = 'GitHub Actions OIDC';
      auth = {
        kind: 'lazy',
        resolve: async () => {
          if (!target) throw usageError('no project and environment to exchange the GitHub Actions token for', 'Pass --project and --environment, set BELLA_BAXTER_PROJECT and BELLA_BAXTER_ENV, or commit a .bella file.');
          const x = await exchangeOidcToken(env, await githubIdToken(env), target.project, target.environment);
          return { kind: 'session', token: x.token };
        },
      };
    }
  }
  const client = new ApiClient(env.url, auth, env.urlFromEnv, { e2ee: env.e2ee, appClient: env.appClient });
  let cached: Promise<{ project: string; environment: string } | null> | null = null;
  return {
    env,
    client,
    source,
    exchangeFor(project, environment) {
      target ??= { project, environment };
    },
    apiKeyScope() {
      if (storedScope) return Promise.resolve(storedScope);
      // A session has no scope; a keyless exchange has not happened yet (its scope comes from the command).
      if (auth.kind === 'none' || auth.kind === 'lazy' || (auth.kind === 'session' && source === 'stored session')) return Promise.resolve(null);
      // An API key from the environment: ask the server once what it is scoped to.
      cached ??= client
        .get<WhoAmI>('/api/v1/auth/whoami')
        .then((w) => {
          const c = w.credential ?? w.apiKey;
          return c ? { project: c.projectSlug, environment: c.environmentSlug } : null;
        });
      return cached;
    },
  };
}

/** Rejects a malformed slug before any request is sent. */
export function checkSlug(value: string, what: string): string {
  if (!SLUG_RE.test(value)) throw usageError(`invalid ${what} ${JSON.stringify(value)}: must be ${SLUG_HELP}`);
  return value;
}

export interface ScopeFlags {
  readonly project?: string | undefined;
  readonly environment?: string | undefined;
}

export interface Scope {
  readonly project: string | null;
  readonly environment: string | null;
}

/**
 * Resolves project and environment, each on its own, in the documented order:
 * flags, the API key's own scope, BELLA_BAXTER_PROJECT / BELLA_BAXTER_ENV, the nearest `.bella`.
 */
export async function resolveScope(session: Session, flags: ScopeFlags): Promise<Scope> {
  const fromFlags = { project: flags.project ?? null, environment: flags.environment ?? null };
  if (fromFlags.project !== null) checkSlug(fromFlags.project, 'project');
  if (fromFlags.environment !== null) checkSlug(fromFlags.environment, 'environment');
  if (fromFlags.project !== null && fromFlags.environment !== null) {
    session.exchangeFor(fromFlags.project, fromFlags.environment);
    return fromFlags;
  }
  const key = await session.apiKeyScope();
  const file = findContextFile(session.env.cwd);
  const pick = (...vals: (string | null | undefined)[]): string | null => vals.find((v) => v != null) ?? null;
  const scope = {
    project: pick(fromFlags.project, key?.project, session.env.project, file?.project),
    environment: pick(fromFlags.environment, key?.environment, session.env.environment, file?.environment),
  };
  if (scope.project !== null && scope.environment !== null) session.exchangeFor(scope.project, scope.environment);
  return scope;
}

const PROJECT_HINT = 'Pass --project SLUG, set BELLA_BAXTER_PROJECT, or run `bella context init PROJECT ENVIRONMENT` in this directory.';
const ENV_HINT = 'Pass --environment SLUG, set BELLA_BAXTER_ENV, or run `bella context init PROJECT ENVIRONMENT` in this directory.';

export async function requireProject(session: Session, flags: ScopeFlags): Promise<string> {
  const scope = await resolveScope(session, flags);
  if (scope.project === null) throw usageError('no project given', PROJECT_HINT);
  return scope.project;
}

export async function requireProjectEnv(session: Session, flags: ScopeFlags): Promise<{ project: string; environment: string }> {
  const scope = await resolveScope(session, flags);
  if (scope.project === null) throw usageError('no project given', PROJECT_HINT);
  if (scope.environment === null) throw usageError('no environment given', ENV_HINT);
  return { project: scope.project, environment: scope.environment };
}
