import type { ServerProcess } from '../helpers/process.js';
import { createProject, createUser, must, secretPath, seedApi, setMember } from '../helpers/seed.js';

/**
 * Activity for the browser tests, made through the HTTP API as real users would (with the shared
 * seeding steps of test/helpers/seed.ts): a project with two environments, a MEMBER who writes and
 * reads secrets (well over one page of entries), and a CONSUMER whose writes are refused (Denied rows).
 */
export const PROJECT = 'my-api';
export const ALICE = { email: 'alice@example.com', name: 'Alice Archer', password: 'alice-password-123' };
export const BOB = { email: 'bob@example.com', name: 'Bob Baxter', password: 'bob-password-1234' };
export const READS = 130;
export const BOB_DENIED = 6;

export async function seedActivity(srv: ServerProcess): Promise<{ admin: string; alice: string; bob: string }> {
  const api = seedApi(srv);
  const admin = await srv.login();
  await createProject(api, admin, PROJECT, [{ slug: 'production', name: 'Production' }, { slug: 'staging', name: 'Staging' }], 'My API');
  for (const u of [ALICE, BOB]) await createUser(api, admin, u);
  await setMember(api, admin, PROJECT, ALICE.email, 'MEMBER');
  await setMember(api, admin, PROJECT, BOB.email, 'CONSUMER');
  const alice = await srv.login(ALICE.email, ALICE.password);
  const bob = await srv.login(BOB.email, BOB.password);
  const secret = (env: string, key: string) => secretPath(PROJECT, env, key);
  for (const key of ['DB_PASSWORD', 'STRIPE_KEY', 'JWT_SECRET']) await must(api, 'PUT', secret('production', key), alice, { value: `v-${key}` });
  for (const key of ['DB_PASSWORD', 'REDIS_URL']) await must(api, 'PUT', secret('staging', key), alice, { value: `s-${key}` });
  // A formula-looking key would test CSV neutralisation, but key names cannot start with "="; the
  // export's formula handling is covered by comparing bytes with the server for the same filters.
  for (let i = 0; i < READS; i++) await must(api, 'GET', secret(i % 4 === 0 ? 'staging' : 'production', i % 4 === 0 ? 'REDIS_URL' : 'DB_PASSWORD'), alice);
  for (let i = 0; i < BOB_DENIED; i++) await must(api, 'PUT', secret('production', 'DB_PASSWORD'), bob, { value: 'nope' }, [403]);
  await must(api, 'PUT', secret('production', 'DB_PASSWORD'), alice, { value: 'rotated' });
  return { admin, alice, bob };
}
