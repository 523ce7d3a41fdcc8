import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

/** Claims shaped like a GitHub Actions ID token's (github/docs, "OpenID Connect" reference). */
export function githubClaims(o: { owner?: string; ownerId?: string; repo?: string; repoId?: string; ref?: string; environment?: string } = {}): Record<string, unknown> {
  const owner = o.owner ?? 'acme';
  const repo = o.repo ?? 'api';
  return {
    repository: `${owner}/${repo}`,
    repository_id: o.repoId ?? '2002',
    repository_owner: owner,
    repository_owner_id: o.ownerId ?? '1001',
    ref: o.ref ?? 'refs/heads/main',
    ref_type: 'branch',
    sha: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4',
    job_workflow_ref: `${owner}/${repo}/.github/workflows/deploy.yml@${o.ref ?? 'refs/heads/main'}`,
    workflow_ref: `${owner}/${repo}/.github/workflows/deploy.yml@${o.ref ?? 'refs/heads/main'}`,
    run_id: '9876543210',
    run_attempt: '1',
    environment: o.environment ?? 'production',
    actor: 'octocat',
    event_name: 'push',
    runner_environment: 'github-hosted',
  };
}

/** GitHub's two `sub` shapes: before and after 15 July 2026 (owner and repository ids in it). */
export const subOld = (c: Record<string, unknown>) => `repo:${String(c.repository)}:ref:${String(c.ref)}`;
export const subNew = (c: Record<string, unknown>) =>
  `repo:${String(c.repository_owner)}@${String(c.repository_owner_id)}/${String(c.repository).split('/')[1]}@${String(c.repository_id)}:ref:${String(c.ref)}`;

export interface RealProvider {
  readonly issuer: string;
  /** A JWT access token for a client (client credentials grant, resource indicator urn:bella-baxter) */
  token(clientId: string, resource?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (oidc-provider 8) on loopback: each client gets JWT access tokens through the
 * client credentials grant with a resource indicator; the token's sub is the client id and
 * extraTokenClaims adds the client's GitHub-shaped claims. `audience` maps a resource to its aud.
 */
export async function startRealProvider(clients: Readonly<Record<string, Record<string, unknown>>>, audienceOf: (resource: string) => string = () => 'bella-baxter'): Promise<RealProvider> {
  const http = createServer();
  await new Promise<void>((res) => http.listen(0, '127.0.0.1', res));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'real-1', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: Object.keys(clients).map((id) => ({
      client_id: id, client_secret: `secret-of-${id}`, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys: [jwk as JWK] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:bella-baxter',
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({ scope: '', audience: audienceOf(resource), accessTokenTTL: 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    extraTokenClaims: async (_ctx: unknown, token: { clientId?: string }) => clients[token.clientId ?? ''] ?? {},
  } as never);
  http.on('request', provider.callback());
  return {
    issuer,
    async token(clientId, resource = 'urn:bella-baxter') {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: `secret-of-${clientId}`, resource }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token) throw new Error(`oidc-provider token: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    close: () => new Promise<void>((res) => http.close(() => res())),
  };
}

export interface JoseIssuer {
  readonly issuer: string;
  /** How often the JWKS was fetched */
  readonly jwksFetches: () => number;
  /** A token signed with the current key (overrides win; undefined drops a claim) */
  sign(claims: JWTPayload, o?: { kid?: string; alg?: string; key?: CryptoKey | Uint8Array; header?: Record<string, unknown> }): Promise<string>;
  /** A new signing key; the JWKS serves it (and, unless `dropOld`, the old one) from now on */
  rotate(dropOld?: boolean): Promise<void>;
  /** The current public key as PEM text (an attacker's HS256 "secret") */
  publicPem(): Promise<string>;
  /** Make the discovery document (and JWKS) fail */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** A small hand-made issuer for the refusals a real provider never produces: rotation, forgeries, bad times. */
export async function startJoseIssuer(): Promise<JoseIssuer> {
  const http = createServer();
  await new Promise<void>((res) => http.listen(0, '127.0.0.1', res));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let keys: { kid: string; priv: CryptoKey; pub: JWK; pubKey: CryptoKey }[] = [];
  let fetches = 0;
  let down = false;
  let n = 0;
  const addKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `k${++n}`;
    keys.push({ kid, priv: privateKey, pubKey: publicKey, pub: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } });
  };
  await addKey();
  http.on('request', (req, res) => {
    if (down) return void res.writeHead(503).end('down');
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.pub) }));
    } else res.writeHead(404).end();
  });
  return {
    issuer,
    jwksFetches: () => fetches,
    async sign(claims, o = {}) {
      const cur = keys[keys.length - 1] as (typeof keys)[number];
      const now = Math.floor(Date.now() / 1000);
      const base: JWTPayload = { iss: issuer, aud: 'bella-baxter', iat: now, exp: now + 300, jti: `jti-${Math.random().toString(36).slice(2)}` };
      const merged: Record<string, unknown> = { ...base, ...claims };
      for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
      return new SignJWT(merged as JWTPayload).setProtectedHeader({ alg: o.alg ?? 'ES256', kid: o.kid ?? cur.kid, ...o.header }).sign(o.key ?? cur.priv);
    },
    async rotate(dropOld = false) {
      if (dropOld) keys = [];
      await addKey();
    },
    async publicPem() {
      const { exportSPKI } = await import('jose');
      return exportSPKI((keys[keys.length - 1] as (typeof keys)[number]).pubKey);
    },
    setDown: (d) => void (down = d),
    close: () => new Promise<void>((res) => http.close(() => res())),
  };
}
