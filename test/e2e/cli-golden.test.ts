import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, ROOT, startServer, type TestServer } from './cli-harness.js';

/**
 * Golden files for the `bella audit list` table at two terminal widths. The activity is scripted so
 * the rows are always the same; only times and request ids vary between runs, and both have a fixed
 * width, so replacing them with placeholders of the same width keeps the layout fully checked.
 * Regenerate with UPDATE_GOLDEN=1 after an intended layout change, and review the diff.
 */
const GOLDEN_DIR = join(ROOT, 'test', 'e2e', 'golden');

let server: TestServer;
let admin: CliUser;

beforeAll(async () => {
  server = await startServer();
  admin = new CliUser(server.url);
  admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  admin.ok(['projects', 'create', 'shop', '--name', 'Shop']);
  admin.ok(['environments', 'create', 'production', '-p', 'shop']);
  admin.ok(['environments', 'create', 'dev', '-p', 'shop']);
  for (const [email, name] of [
    ['carol@example.com', 'Carol'],
    ['dave.with.a.rather.long.address@example.com', 'Dave'],
    ['日本@example.com', 'Nihon'],
  ] as const) {
    admin.ok(['users', 'create', '--email', email, '--name', name, '--password-stdin'], { input: `${email}-password\n` });
  }
  admin.ok(['members', 'add', '-p', 'shop', '--user', 'carol@example.com', '--role', 'OWNER']);
  admin.ok(['members', 'add', '-p', 'shop', '-e', 'dev', '--user', 'dave.with.a.rather.long.address@example.com', '--role', 'CONSUMER']);
  admin.ok(['members', 'add', '-p', 'shop', '--user', '日本@example.com', '--role', 'AUDITOR']);
  const carol = new CliUser(server.url);
  carol.login('carol@example.com', 'carol@example.com-password');
  carol.ok(['secrets', 'set', 'DATABASE_URL', 'postgres://x', '-p', 'shop', '-e', 'production']);
  carol.ok(['secrets', 'set', 'A_VERY_LONG_SECRET_KEY_NAME_THAT_NEEDS_CUTTING_ON_NARROW_TERMINALS', 'v', '-p', 'shop', '-e', 'production']);
  carol.ok(['secrets', 'set', 'DATABASE_URL', 'postgres://y', '-p', 'shop', '-e', 'production']);
  carol.ok(['secrets', 'get', 'DATABASE_URL', '-p', 'shop', '-e', 'production']);
  carol.ok(['pull', '-o', 'json', '-p', 'shop', '-e', 'production']);
  carol.ok(['secrets', 'delete', 'DATABASE_URL', '-p', 'shop', '-e', 'production']);
  const dave = new CliUser(server.url);
  dave.login('dave.with.a.rather.long.address@example.com', 'dave.with.a.rather.long.address@example.com-password');
  dave.run(['secrets', 'get', 'DATABASE_URL', '-p', 'shop', '-e', 'production']);
  admin.ok(['members', 'remove', '-p', 'shop', '--user', '日本@example.com']);
}, 60_000);
afterAll(() => server?.stop());

/** Same-width placeholders for what differs between runs: times and (possibly cut) request ids. */
export function normalise(table: string): string {
  return table
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g, 'YYYY-MM-DD hh:mm:ss')
    // The REQUEST column shows the random tail of a UUIDv7 request id: 12 hex digits.
    .replace(/(?<= {2})[0-9a-f]{12}(?= {2}|$)/gm, 'x'.repeat(12));
}

function golden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('the audit table layout', () => {
  it.each([80, 120])('matches the golden file at %i columns', (cols) => {
    // BELLA_FORCE_TTY: the table a terminal gets (piped, the CLI prints tab-separated lines).
    const out = admin.ok(['audit', 'list', '--project', 'shop'], { env: { COLUMNS: String(cols), BELLA_FORCE_TTY: '1' } });
    golden(`audit-list-${cols}.txt`, normalise(out));
  });

  it('is unchanged by NO_COLOR when stdout is not a terminal', () => {
    const a = admin.ok(['audit', 'list', '--project', 'shop'], { env: { COLUMNS: '120', BELLA_FORCE_TTY: '1' } });
    const b = admin.ok(['audit', 'list', '--project', 'shop'], { env: { COLUMNS: '120', NO_COLOR: '1', BELLA_FORCE_TTY: '1' } });
    expect(normalise(a)).toBe(normalise(b));
  });
});
