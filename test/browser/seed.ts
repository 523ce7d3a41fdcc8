import type { ServerProcess } from '../helpers/process.js';

/**
 * Activity for the browser tests, made through the HTTP API as real users would: a project with two
 * environments, a MEMBER who writes and reads secrets (well over one page of entries), and a
 * CONSUMER whose writes are refused (Denied rows).
 */
export const PROJECT = 'my-api';
export const ALICE = { email: 'alice@example.com', name: 'Alice Archer', password: 'alice-password-123' };
export const BOB = { email: 'bob@example.com', name: 'Bob Baxter', password: 'bob-password-1234' };
export const READS = 130;
export const BOB_DENIED = 6;

async function must(srv: ServerProcess, method: string, path: string, token: string, body?: unknown, want = [200, 201, 204]) {
  const r = await srv.request(method, path, { token, body });
  if (!want.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r;
}

export async function seedActivity(srv: ServerProcess): Promise<{ admin: string; alice: string; bob: string }> {
  const admin = await srv.login();
  await must(srv, 'POST', '/api/v1/projects', admin, { slug: PROJECT, name: 'My API' });
  for (const env of ['production', 'staging']) {
    await must(srv, 'POST', `/api/v1/projects/${PROJECT}/environments`, admin, { slug: env, name: env[0]!.toUpperCase() + env.slice(1) });
  }
  for (const u of [ALICE, BOB]) await must(srv, 'POST', '/api/v1/users', admin, { email: u.email, name: u.name, password: u.password });
  await must(srv, 'PUT', `/api/v1/projects/${PROJECT}/members/${encodeURIComponent(ALICE.email)}`, admin, { role: 'MEMBER' });
  await must(srv, 'PUT', `/api/v1/projects/${PROJECT}/members/${encodeURIComponent(BOB.email)}`, admin, { role: 'CONSUMER' });
  const alice = await srv.login(ALICE.email, ALICE.password);
  const bob = await srv.login(BOB.email, BOB.password);
  const secret = (env: string, key: string) => `/api/v1/projects/${PROJECT}/environments/${env}/secrets/${key}`;
  for (const key of ['DB_PASSWORD', 'STRIPE_KEY', 'JWT_SECRET']) await must(srv, 'PUT', secret('production', key), alice, { value: `v-${key}` });
  for (const key of ['DB_PASSWORD', 'REDIS_URL']) await must(srv, 'PUT', secret('staging', key), alice, { value: `s-${key}` });
  // A formula-looking key would test CSV neutralisation, but key names cannot start with "="; the
  // export's formula handling is covered by comparing bytes with the server for the same filters.
  for (let i = 0; i < READS; i++) await must(srv, 'GET', secret(i % 4 === 0 ? 'staging' : 'production', i % 4 === 0 ? 'REDIS_URL' : 'DB_PASSWORD'), alice);
  for (let i = 0; i < BOB_DENIED; i++) await must(srv, 'PUT', secret('production', 'DB_PASSWORD'), bob, { value: 'nope' }, [403]);
  await must(srv, 'PUT', secret('production', 'DB_PASSWORD'), alice, { value: 'rotated' });
  return { admin, alice, bob };
}
