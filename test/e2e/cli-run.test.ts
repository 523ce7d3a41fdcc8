import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, startServer, type TestServer } from './cli-harness.js';

let server: TestServer;
let admin: CliUser;
let app: CliUser;
let key = '';
let proxy: Server;
let proxyUrl = '';
const VALUE = `run-value-${process.pid}-Ünïcode`;

/** Every file under dir whose bytes contain `needle` (the value must not be written anywhere). */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...filesContaining(p, needle));
    else if (readFileSync(p).includes(needle)) out.push(p);
  }
  return out;
}

beforeAll(async () => {
  server = await startServer();
  admin = new CliUser(server.url);
  admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  admin.ok(['projects', 'create', 'shop', '--name', 'Shop']);
  admin.ok(['environments', 'create', 'production', '-p', 'shop']);
  admin.ok(['secrets', 'set', 'DATABASE_URL', VALUE, '-p', 'shop', '-e', 'production']);
  admin.ok(['secrets', 'set', 'PORT', '8081', '-p', 'shop', '-e', 'production']);
  key = admin.ok(['api-keys', 'create', '-p', 'shop', '-e', 'production', '--name', 'billing-svc', '--role', 'CONSUMER']).trim();
  app = new CliUser(server.url);
  // A proxy that drops X-E2E-Public-Key on the way (the signature does not cover that header).
  proxy = createServer((req, res) => {
    const target = new URL(req.url ?? '/', server.url);
    const headers = { ...req.headers };
    delete headers['x-e2e-public-key'];
    const up = request(target, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
}, 60_000);
afterAll(async () => {
  await new Promise((ok) => proxy?.close(ok));
  await server?.stop();
});

describe('bella run --app NAME -- cmd', () => {
  const env = () => ({ BELLA_BAXTER_API_KEY: key });
  const show = ['node', '-e', 'process.stdout.write(JSON.stringify({db: process.env.DATABASE_URL, port: process.env.PORT, path: typeof process.env.PATH}))'];

  it("runs the command with the environment's secrets in its environment, writes them nowhere, and the bulk read names the app", async () => {
    const r = await app.runAsync(['run', '--app', 'billing', '--', ...show], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ db: VALUE, port: '8081', path: 'string' });
    expect(r.stderr).not.toContain(VALUE);
    expect([...filesContaining(app.home, VALUE), ...filesContaining(app.cwd, VALUE)]).toEqual([]);
    const [e] = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'shop', '--client', 'billing', '-o', 'json']);
    expect(e).toMatchObject({ event: 'SecretsBulkPulled', outcome: 'Success', actor: { type: 'ApiKey', name: 'billing-svc', client: 'billing' }, details: { count: 2, e2ee: true } });
    // Piped, the listing is tab-separated with every column; the calling application is the last.
    const table = admin.ok(['audit', 'list', '-p', 'shop', '--client', 'billing']);
    expect(table).toMatch(/^[^\t]+\tSecretsBulkPulled\tApiKey:billing-svc\t.*\tbilling\n/);
  });

  it("exits with the command's exit code, and names a command that does not exist", async () => {
    const r = await app.runAsync(['run', '--', 'node', '-e', 'process.exit(7)'], { env: { ...env(), BELLA_BAXTER_APP_CLIENT: 'exit-test' } });
    expect(r.code).toBe(7);
    const missing = await app.runAsync(['run', '--', 'no-such-command-xyz'], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('command not found');
    const bad = await app.runAsync(['run', '--app', 'bad name', '--', 'true'], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid application name');
    // Without --app, entries name the CLI itself.
    const entries = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'shop', '--client', 'exit-test', '-o', 'json']);
    expect(entries.map((x) => x.event)).toEqual(['SecretsBulkPulled']);
  });

  it('values travel end-to-end encrypted by default: an answer that comes back in clear (a proxy stripped the key) is refused', async () => {
    const viaProxy = { ...env(), BELLA_BAXTER_URL: proxyUrl };
    const get = await app.runAsync(['secrets', 'get', 'DATABASE_URL'], { env: viaProxy });
    expect(get.code).toBe(1);
    expect(get.stderr).toContain('answered in clear');
    expect(get.stdout + get.stderr).not.toContain(VALUE);
    const run = await app.runAsync(['run', '--', ...show], { env: viaProxy });
    expect(run.code).toBe(1);
    const direct = await app.runAsync(['secrets', 'get', 'DATABASE_URL'], { env: env() });
    expect(direct.stdout).toBe(`${VALUE}\n`);
    const off = await app.runAsync(['secrets', 'get', 'DATABASE_URL'], { env: { ...viaProxy, BELLA_BAXTER_E2EE: 'off' } });
    expect(off.stdout).toBe(`${VALUE}\n`);
    const reads = admin.json<AuditEntry[]>(['audit', 'list', '-p', 'shop', '--event', 'SecretRead', '--actor', 'billing-svc', '-o', 'json']);
    expect(reads.map((x) => [x.details.e2ee, x.actor.client])).toEqual([[false, 'bella-cli'], [true, 'bella-cli'], [false, 'bella-cli']]);
  });
});
