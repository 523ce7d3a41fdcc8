import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/pg.js';
import { removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';

const PG = await postgresAvailable();

/** Revocation holds from the very next request on every node: two server processes on one PostgreSQL. */
describe.skipIf(!PG)('leases across two server processes on one PostgreSQL', () => {
  let db: TestDatabase;
  const nodes: ServerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { BELLA_DATABASE_URL: db.url, BELLA_MASTER_KEY: randomBytes(32).toString('hex'), BELLA_LOG_LEVEL: 'warn' };
    nodes.push(await startServerProcess({ env }));
    nodes.push(await startServerProcess({ env }));
  });
  afterAll(async () => {
    for (const n of nodes) {
      await n.stop();
      removeDataDir(n.dataDir);
    }
    await db?.drop();
  });

  it('a lease revoked on one node is refused by the other on its very next request, and the refusal is recorded', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const token = await a.login();
    expect((await a.request('POST', '/api/v1/projects', { token, body: { slug: 'lr', name: 'LR' } })).status).toBe(201);
    expect((await a.request('POST', '/api/v1/projects/lr/environments', { token, body: { slug: 'prod', name: 'Prod' } })).status).toBe(201);
    const base = '/api/v1/projects/lr/environments/prod';
    expect((await a.request('PUT', `${base}/secrets/K`, { token, body: { value: 'v' } })).status).toBe(200);
    const issued = await a.request('POST', `${base}/leases`, { token, body: { scope: ['K'], ttlSeconds: 600, reason: 'two nodes' } });
    expect(issued.status, issued.text).toBe(201);
    const lease = JSON.parse(issued.text) as { id: string; token: string };
    expect((await b.request('GET', `${base}/secrets/K`, { token: lease.token })).status).toBe(200);
    expect((await a.request('DELETE', `${base}/leases/${lease.id}`, { token })).status).toBe(200);
    const refused = await b.request('GET', `${base}/secrets/K`, { token: lease.token });
    expect(refused.status).toBe(401);
    const denied = await a.request('GET', `/api/v1/audit-logs?project=lr&event=SecretRead&outcome=Denied`, { token });
    expect(JSON.parse(denied.text).entries[0]).toMatchObject({ reason: 'lease_revoked', actor: { type: 'Lease', id: lease.id } });
  });
});
