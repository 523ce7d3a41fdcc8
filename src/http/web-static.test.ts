import Fastify from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWebStatic } from './web-static.js';

describe('the WebApp static plugin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bella-web-'));
  const app = Fastify();

  beforeAll(async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    app.setNotFoundHandler(async (req, reply) => reply.code(404).send({ error: { code: 'not_found', message: req.url, requestId: 'r' } }));
    expect(await registerWebStatic(app, { webRoot: dir })).toBe(true);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app shell at / with a strict CSP and no caching', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="root"');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('answers deep links with the app shell so the client router can take over', async () => {
    const res = await app.inject('/projects/my-api/audit-logs?outcome=Denied&event=SecretRead');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('id="root"');
  });

  it('serves hashed assets as immutable files', async () => {
    const res = await app.inject('/assets/index-abc123.js');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('serves other real files as themselves', async () => {
    const res = await app.inject('/favicon.svg');
    expect(res.body).toBe('<svg/>');
  });

  it('keeps the JSON 404 for unknown API paths instead of returning HTML', async () => {
    const res = await app.inject('/api/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('never serves a file outside the web root', async () => {
    const res = await app.inject('/..%2f..%2f..%2fetc%2fpasswd');
    expect(res.body).not.toContain('root:');
    expect(res.body).toContain('id="root"');
  });

  it('serves nothing when the WebApp has not been built', async () => {
    const bare = Fastify();
    expect(await registerWebStatic(bare, { webRoot: join(dir, 'missing') })).toBe(false);
    expect(await registerWebStatic(bare, { webRoot: null })).toBe(false);
    await bare.close();
  });
});
