import type { TokenExchangeResponse } from '../contract/trust.js';
import { ApiClient } from './api-client.js';
import type { CliEnv } from './env.js';
import { CliError, EXIT } from './errors.js';

const GITHUB_TIMEOUT_MS = 15_000;

/**
 * The job's OIDC token inside GitHub Actions: a GET to ACTIONS_ID_TOKEN_REQUEST_URL with the audience
 * added, authorized by ACTIONS_ID_TOKEN_REQUEST_TOKEN (the workflow needs `permissions: id-token: write`).
 */
export async function githubIdToken(env: CliEnv): Promise<string> {
  const gh = env.githubOidc;
  if (!gh) throw new CliError(EXIT.usage, 'not inside GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set', 'Pass --token-file FILE or --token - instead, or give the workflow `permissions: id-token: write`.');
  let url: URL;
  try {
    url = new URL(gh.requestUrl);
  } catch {
    throw new CliError(EXIT.error, 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL');
  }
  url.searchParams.set('audience', env.oidcAudience);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${gh.requestToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS) });
    text = await res.text();
  } catch (e) {
    throw new CliError(EXIT.unavailable, `could not reach the GitHub Actions token endpoint (${(e as Error).message})`, 'Retry the job; GitHub may be briefly unavailable.');
  }
  if (!res.ok) throw new CliError(EXIT.auth, `the GitHub Actions token endpoint answered HTTP ${res.status}`, 'Give the workflow (or job) `permissions: id-token: write`.');
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value === '') throw new CliError(EXIT.error, 'the GitHub Actions token endpoint answered without a token');
  return value;
}

/** POST /api/v1/token: an OIDC token for a trust token of one environment. */
export function exchangeOidcToken(env: CliEnv, oidcToken: string, projectSlug: string, environmentSlug: string): Promise<TokenExchangeResponse> {
  const client = new ApiClient(env.url, { kind: 'none' }, env.urlFromEnv, { purpose: 'exchange', e2ee: env.e2ee, appClient: env.appClient });
  return client.request<TokenExchangeResponse>('POST', '/api/v1/token', { body: { oidcToken, projectSlug, environmentSlug } });
}
