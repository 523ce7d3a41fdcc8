import type { TestServer } from './harness.js';
import type { ServerProcess } from './process.js';

/**
 * Seeding activity over the HTTP API, the one way for every harness: the in-process TestServer
 * (app.inject) and a real ServerProcess (fetch) both become a SeedApi, so the HTTP suites'
 * seedProject and the browser tests' seedActivity make their projects, environments, users,
 * members and secrets with the same requests. (The CLI end-to-end seed, test/e2e/cli-seed.ts,
 * stays on the CLI on purpose: the CLI's own write commands are part of what it exercises.)
 */
export interface SeedApi {
  send(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; text: string }>;
}

/** The SeedApi of an in-process test server or of a server process. */
export function seedApi(server: TestServer | ServerProcess): SeedApi {
  if ('req' in server) {
    return {
      async send(method, path, token, body) {
        const r = await server.req(method, path, { token, body });
        return { status: r.statusCode, text: r.body };
      },
    };
  }
  return {
    async send(method, path, token, body) {
      const r = await server.request(method, path, { token, body });
      return { status: r.status, text: r.text };
    },
  };
}

/** Sends one request and fails loudly (method, path, status and body) unless the status is wanted. */
export async function must(api: SeedApi, method: string, path: string, token: string | null, body?: unknown, want: readonly number[] = [200, 201, 204]): Promise<{ status: number; text: string }> {
  const r = await api.send(method, path, token, body);
  if (!want.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r;
}

/** An environment to create: its slug (named after itself) or slug and name. */
export type EnvironmentSpec = string | { readonly slug: string; readonly name: string };

/** Creates a project (name default `Project <slug>`) and its environments as `token`'s user, who becomes OWNER. */
export async function createProject(api: SeedApi, token: string, slug: string, environments: readonly EnvironmentSpec[], name = `Project ${slug}`): Promise<void> {
  await must(api, 'POST', '/api/v1/projects', token, { slug, name }, [201]);
  for (const env of environments) {
    const e = typeof env === 'string' ? { slug: env, name: env } : env;
    await must(api, 'POST', `/api/v1/projects/${slug}/environments`, token, { slug: e.slug, name: e.name }, [201]);
  }
}

/** Creates a user as the admin. */
export async function createUser(api: SeedApi, adminToken: string, user: { readonly email: string; readonly name: string; readonly password: string }): Promise<void> {
  await must(api, 'POST', '/api/v1/users', adminToken, { email: user.email, name: user.name, password: user.password }, [201]);
}

/** Gives a user a project role (or, with `environment`, an environment role). */
export async function setMember(api: SeedApi, token: string, project: string, email: string, role: string, environment?: string): Promise<void> {
  const scope = environment ? `/api/v1/projects/${project}/environments/${environment}` : `/api/v1/projects/${project}`;
  await must(api, 'PUT', `${scope}/members/${encodeURIComponent(email)}`, token, { role }, [200]);
}

/** The URL of one secret. */
export const secretPath = (project: string, environment: string, key: string): string => `/api/v1/projects/${project}/environments/${environment}/secrets/${key}`;
