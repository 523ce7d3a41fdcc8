import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, type TestServer } from './cli-harness.js';

/** An API key name with everything CSV and spreadsheets trip over: it is echoed as actor.name. */
export const TRICKY_KEY_NAME = '=HYPERLINK("http://evil.example","ci, deploy") ✓ 日本 "quoted"';
/** A user name starting like a formula, with a comma and quotes: echoed as actor.name of their actions. */
export const TRICKY_USER_NAME = '+SUM(1,2) "Mallory", Ünïcode';
/** An email a spreadsheet would run as a formula; echoed as resource of UserCreated and MemberAdded. */
export const FORMULA_EMAIL = '=cmd|calc@example.com';

export interface Seeded {
  readonly admin: CliUser;
  readonly alice: CliUser;
  readonly bob: CliUser;
  readonly mallory: CliUser;
  /** The tricky-named API key (MEMBER on my-api/production) */
  readonly key: string;
}

/**
 * Real activity through the real CLI: two projects, three environments, users with roles,
 * secret writes/reads/deletes, pulls, API keys, a revocation, refusals and a failed login.
 */
export function seedActivity(server: TestServer): Seeded {
  const admin = new CliUser(server.url);
  admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  admin.ok(['projects', 'create', 'my-api', '--name', 'My API']);
  admin.ok(['environments', 'create', 'production', '-p', 'my-api']);
  admin.ok(['environments', 'create', 'staging', '-p', 'my-api']);
  admin.ok(['projects', 'create', 'other']);
  admin.ok(['environments', 'create', 'dev', '-p', 'other']);
  admin.ok(['secrets', 'set', 'OTHER_SECRET', 'x', '-p', 'other', '-e', 'dev']);

  const users: [string, string][] = [
    ['alice@example.com', 'Alice'],
    ['bob@example.com', 'Bob'],
    ['mallory@example.com', TRICKY_USER_NAME],
    [FORMULA_EMAIL, 'Formula'],
  ];
  for (const [email, name] of users) {
    admin.ok(['users', 'create', '--email', email, '--name', name, '--password-stdin'], { input: `${email}-password\n` });
  }
  admin.ok(['members', 'add', '-p', 'my-api', '--user', 'alice@example.com', '--role', 'OWNER']);
  admin.ok(['members', 'add', '-p', 'my-api', '-e', 'staging', '--user', 'bob@example.com', '--role', 'CONSUMER']);
  admin.ok(['members', 'add', '-p', 'my-api', '--user', 'mallory@example.com', '--role', 'MEMBER']);
  admin.ok(['members', 'add', '-p', 'my-api', '--user', FORMULA_EMAIL, '--role', 'CONSUMER']);
  admin.ok(['members', 'remove', '-p', 'my-api', '--user', FORMULA_EMAIL]);

  const alice = new CliUser(server.url);
  alice.login('alice@example.com', 'alice@example.com-password');
  const p = ['-p', 'my-api', '-e', 'production'];
  alice.ok(['secrets', 'set', 'DATABASE_URL', 'postgres://prod', ...p]);
  alice.ok(['secrets', 'set', 'STRIPE_KEY', 'sk_live_1', ...p]);
  alice.ok(['secrets', 'set', 'STRIPE_KEY', 'sk_live_2', ...p]);
  alice.ok(['secrets', 'get', 'DATABASE_URL', ...p]);
  alice.ok(['secrets', 'set', 'FEATURE_FLAG', 'on', '-p', 'my-api', '-e', 'staging']);
  alice.ok(['secrets', 'get', 'FEATURE_FLAG', '-p', 'my-api', '-e', 'staging']);
  alice.ok(['pull', '-o', 'json', ...p]);

  const bob = new CliUser(server.url);
  bob.login('bob@example.com', 'bob@example.com-password');
  bob.ok(['secrets', 'get', 'FEATURE_FLAG', '-p', 'my-api', '-e', 'staging']);
  // Refusals: a CONSUMER of staging reads production and writes staging.
  bob.run(['secrets', 'get', 'DATABASE_URL', ...p]);
  bob.run(['secrets', 'set', 'FEATURE_FLAG', 'off', '-p', 'my-api', '-e', 'staging']);
  new CliUser(server.url).run(['login', '--email', 'bob@example.com', '--password-stdin'], { input: 'not-his-password\n' });

  const mallory = new CliUser(server.url);
  mallory.login('mallory@example.com', 'mallory@example.com-password');
  mallory.ok(['secrets', 'get', 'STRIPE_KEY', ...p]);
  mallory.ok(['secrets', 'delete', 'STRIPE_KEY', ...p]);

  const key = admin.ok(['api-keys', 'create', ...p, '--name', TRICKY_KEY_NAME, '--role', 'MEMBER']).trim();
  new CliUser(server.url).ok(['secrets', 'get', 'DATABASE_URL'], { env: { BELLA_BAXTER_API_KEY: key } });
  const doomed = admin.ok(['api-keys', 'create', ...p, '--name', 'doomed']).trim();
  admin.ok(['api-keys', 'revoke', doomed.split('-')[1] as string]);
  return { admin, alice, bob, mallory, key };
}

/** The stored session token of a CLI user, for driving bulk activity with plain fetch. */
export function sessionToken(user: CliUser): string {
  const file = JSON.parse(readFileSync(join(user.home, '.config', 'bella-cli', 'credentials.json'), 'utf8')) as {
    servers: Record<string, { token: string }>;
  };
  return (file.servers[user.url] as { token: string }).token;
}
