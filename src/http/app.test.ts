import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/harness.js';

describe('the HTTP app', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.close());

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const ok = await t.req('GET', '/healthz', { headers: { 'x-request-id': 'trace-123.abc' } });
    expect(ok.headers['x-request-id']).toBe('trace-123.abc');
    const bad = await t.req('GET', '/healthz', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a secret read is recorded in the Audit Log and the Access Log under one request id', async () => {
    const a = t.adminToken;
    expect((await t.req('POST', '/api/v1/projects', { token: a, body: { slug: 'p1', name: 'P1' } })).statusCode).toBe(201);
    expect((await t.req('POST', '/api/v1/projects/p1/environments', { token: a, body: { slug: 'prod', name: 'Prod' } })).statusCode).toBe(201);
    expect((await t.req('PUT', '/api/v1/projects/p1/environments/prod/secrets/K', { token: a, body: { value: 'v' } })).statusCode).toBe(200);
    const read = await t.req('GET', '/api/v1/projects/p1/environments/prod/secrets/K', { token: a, headers: { 'x-request-id': 'read-1' } });
    expect(read.json()).toMatchObject({ key: 'K', value: 'v', version: 1 });
    const audit = await t.req('GET', '/api/v1/audit-logs?requestId=read-1', { token: a });
    expect(audit.json().entries).toEqual([expect.objectContaining({ event: 'SecretRead', resource: 'K', outcome: 'Success', projectSlug: 'p1', environmentSlug: 'prod' })]);
    const access = await t.req('GET', '/api/v1/access-logs?requestId=read-1', { token: a });
    expect(access.json().entries).toEqual([expect.objectContaining({ status: 200, method: 'GET', route: '/api/v1/projects/:project/environments/:env/secrets/:key' })]);
  });
});
