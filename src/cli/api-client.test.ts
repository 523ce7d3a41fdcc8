import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, apiKeyAuth } from './api-client.js';
import { httpError } from './errors.js';
import { pageThrough } from './log-stream.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base = '';
const seen: Seen[] = [];
let respond: (s: Seen) => { status: number; body: unknown } = () => ({ status: 200, body: {} });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      const r = respond(s);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const KEY_ID = '0123456789abcdef';
const SECRET = 'ab'.repeat(24);

describe('API-key requests', () => {
  it('are HMAC-signed exactly as the documented scheme says, and never carry the key itself', async () => {
    respond = () => ({ status: 200, body: { ok: true } });
    const client = new ApiClient(base, apiKeyAuth(`bax-${KEY_ID}-${SECRET}`), false);
    await client.request('PUT', '/api/v1/projects/p/members/a%40b.example', { query: { z: '1', a: ['x y', 'b'] }, body: { role: 'MEMBER' } });
    const s = seen.at(-1) as Seen;
    expect(s.headers['x-bella-key-id']).toBe(KEY_ID);
    expect(JSON.stringify(s.headers)).not.toContain(SECRET);
    expect(s.headers.authorization).toBeUndefined();
    // Recompute independently from the wire request: path as sent, sorted query, sha256 of the body.
    const signingKey = createHmac('sha256', SECRET).update('bella-request-signing-v1').digest();
    const [path, search = ''] = s.url.split('?') as [string, string?];
    const sorted = [...new URLSearchParams(search).entries()].sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1));
    const query = sorted.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const bodyHash = createHash('sha256').update(s.body).digest('hex');
    const ts = s.headers['x-bella-timestamp'] as string;
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    const nonce = s.headers['x-bella-nonce'] as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    const expected = createHmac('sha256', signingKey).update(`PUT\n${path}\n${query}\n${ts}\n${bodyHash}\n${nonce}`).digest('hex');
    expect(s.headers['x-bella-signature']).toBe(expected);
    expect(path).toBe('/api/v1/projects/p/members/a%40b.example');
  });

  it('sends a fresh nonce with every request, so two identical requests in one second are not a replay', async () => {
    respond = () => ({ status: 200, body: { ok: true } });
    const client = new ApiClient(base, apiKeyAuth(`bax-${KEY_ID}-${SECRET}`), false);
    await client.request('GET', '/api/v1/x');
    await client.request('GET', '/api/v1/x');
    const [a, b] = seen.slice(-2) as [Seen, Seen];
    expect(a.headers['x-bella-nonce']).not.toBe(b.headers['x-bella-nonce']);
    expect(a.headers['x-bella-signature']).not.toBe(b.headers['x-bella-signature']);
  });

  it('refuses a malformed key as a usage error before sending anything', () => {
    expect(() => apiKeyAuth('bax-nothex')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('error mapping', () => {
  const ctx = { url: 'http://x', urlFromEnv: true, authKind: 'session' as const };
  const body = (message: string) => JSON.stringify({ error: { code: 'c', message, requestId: 'rid-1' } });

  it.each([
    [400, 2],
    [401, 3],
    [403, 3],
    [404, 4],
    [409, 1],
    [413, 2],
    [429, 1],
    [500, 1],
    [503, 5],
  ])('maps HTTP %i to exit code %i and keeps the request id', (status, code) => {
    const e = httpError(status, body('nope'), ctx);
    expect(e.exitCode).toBe(code);
    expect(e.message).toContain('rid-1');
    expect(e.hint).toBeTruthy();
  });

  it('tells an anonymous caller how to log in', () => {
    const e = httpError(401, body('authentication required'), { ...ctx, authKind: 'none' });
    expect(e.message).toBe('not logged in to http://x');
    expect(e.hint).toContain('bella login --email');
  });

  it('a refused OIDC exchange keeps the server\'s reason instead of "not logged in"; a refused lease says how to get a new one', () => {
    const x = httpError(401, body('the token expired (exp 1); at most 60 s of clock skew is allowed'), { ...ctx, authKind: 'exchange' });
    expect(x.message).toContain('the token expired');
    expect(x.hint).toContain('TrustTokenRejected');
    const l = httpError(401, body('the lease was revoked at 2026-12-04T11:03:01.034Z'), { ...ctx, authKind: 'issuedToken' });
    expect(l.hint).toContain('ask for a new lease');
    expect(httpError(403, body('this lease does not cover OTHER'), { ...ctx, authKind: 'issuedToken' }).hint).toContain('only the keys of its scope');
  });

  it('a lease or trust token is sent as a Bearer token, never as a signing key', () => {
    const token = `bax-lease-${'a'.repeat(16)}-${'b'.repeat(48)}`;
    expect(apiKeyAuth(token)).toEqual({ kind: 'session', token });
  });

  it('names the URL it tried when the server cannot be reached', async () => {
    const client = new ApiClient('http://127.0.0.1:9', { kind: 'none' }, true);
    await expect(client.get('/healthz')).rejects.toMatchObject({ exitCode: 5, message: expect.stringContaining('http://127.0.0.1:9') });
  });
});

describe('pageThrough', () => {
  it('follows the cursor until the cap and asks only for what is still needed', async () => {
    const all = Array.from({ length: 25 }, (_, i) => ({ seq: 25 - i }));
    respond = (s) => {
      const q = new URL(s.url, base).searchParams;
      const from = Number(q.get('cursor') ?? 0);
      const limit = Number(q.get('limit'));
      const entries = all.slice(from, from + limit);
      return { status: 200, body: { entries, nextCursor: from + limit < all.length ? String(from + limit) : null } };
    };
    const client = new ApiClient(base, { kind: 'none' }, false);
    const before = seen.length;
    const got: number[] = [];
    for await (const page of pageThrough<{ seq: number }>(client, '/logs', { event: ['A'] }, 22, 10)) got.push(...page.map((e) => e.seq));
    expect(got).toEqual(all.slice(0, 22).map((e) => e.seq));
    expect(seen.slice(before).map((s) => new URL(s.url, base).searchParams.get('limit'))).toEqual(['10', '10', '2']);

    const everything: number[] = [];
    for await (const page of pageThrough<{ seq: number }>(client, '/logs', {}, null, 10)) everything.push(...page.map((e) => e.seq));
    expect(everything).toHaveLength(25);
  });
});

describe('stream', () => {
  const collect = async (client: ApiClient, query = {}) => {
    let text = '';
    for await (const chunk of client.stream('/logs/export', query)) text += Buffer.from(chunk).toString('utf8');
    return text;
  };

  it('yields the body as sent, with the query and a signature over it', async () => {
    respond = () => ({ status: 200, body: ['a', 'b'] });
    const client = new ApiClient(base, apiKeyAuth(`bax-${KEY_ID}-${SECRET}`), false);
    expect(await collect(client, { format: 'json', event: ['X', 'Y'], limit: undefined })).toBe('["a","b"]');
    const s = seen.at(-1) as Seen;
    expect(s.url).toBe('/logs/export?format=json&event=X&event=Y');
    expect(s.headers['x-bella-signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('maps an error status like any request, before yielding anything', async () => {
    respond = () => ({ status: 403, body: { error: { code: 'forbidden', message: 'not allowed', requestId: 'rid-9' } } });
    const client = new ApiClient(base, { kind: 'session', token: 't' }, false);
    await expect(collect(client)).rejects.toMatchObject({ exitCode: 3, message: 'not allowed (request id rid-9)' });
  });

  it('raises exit 5 when the body breaks off', async () => {
    const broken = createServer((_req, res) => {
      res.writeHead(200);
      res.write('partial');
      setTimeout(() => res.destroy(), 20);
    });
    await new Promise<void>((ok) => broken.listen(0, '127.0.0.1', ok));
    const client = new ApiClient(`http://127.0.0.1:${(broken.address() as AddressInfo).port}`, { kind: 'none' }, false);
    try {
      await expect(collect(client)).rejects.toMatchObject({ exitCode: 5, message: expect.stringContaining('broke off after 7 bytes') });
    } finally {
      broken.closeAllConnections();
      await new Promise<void>((ok) => broken.close(() => ok()));
    }
  });
});
