/** Bench fixtures created over the real HTTP API, as a user would. */
export const ADMIN_EMAIL = 'bench-admin@example.com';
export const ADMIN_PASSWORD = 'bench-admin-password-1';

export function serverEnv(dataDir: string, port: number): Record<string, string> {
  return {
    BELLA_DATA_DIR: dataDir,
    BELLA_PORT: String(port),
    BELLA_HOST: '127.0.0.1',
    BELLA_ADMIN_EMAIL: ADMIN_EMAIL,
    BELLA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BELLA_LOG_LEVEL: 'warn',
  };
}

async function call(url: string, method: string, path: string, token: string | null, body?: unknown): Promise<unknown> {
  const r = await fetch(url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export interface Fixture {
  readonly adminToken: string;
  readonly apiKey: string;
  /** path of the API-key-authorised secret read */
  readonly readPath: string;
}

/** Logs in, creates project/environment/secret and an API key with the given role. */
export async function createFixture(url: string, opts: { project?: string; env?: string; role?: 'CONSUMER' | 'AUDITOR' } = {}): Promise<Fixture> {
  const project = opts.project ?? 'bench';
  const env = opts.env ?? 'prod';
  const { token } = (await call(url, 'POST', '/api/v1/auth/login', null, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })) as { token: string };
  await call(url, 'POST', '/api/v1/projects', token, { slug: project, name: 'Bench' });
  await call(url, 'POST', `/api/v1/projects/${project}/environments`, token, { slug: env, name: 'Production' });
  const base = `/api/v1/projects/${project}/environments/${env}`;
  await call(url, 'PUT', `${base}/secrets/DATABASE_URL`, token, { value: 'postgres://app:s3cr3t@db.internal:5432/app' });
  const created = (await call(url, 'POST', `${base}/api-keys`, token, { name: 'bench-key', role: opts.role ?? 'CONSUMER' })) as { key: string };
  const fx = { adminToken: token, apiKey: created.key, readPath: `${base}/secrets/DATABASE_URL` };
  // One read to check the path works before any load runs.
  await call(url, 'GET', fx.readPath, fx.apiKey);
  return fx;
}
