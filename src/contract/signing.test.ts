import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/harness.js';
import { API_KEY_RE, canonicalQuery, deriveSigningKey, parseApiKey, sdkCanonicalQuery, sdkSigningKey, sdkStringToSign, SIGNATURE_MAX_SKEW_SECONDS, signatureForm, signRequest, stringToSign, timestampSeconds } from './signing.js';

const ID = '0123456789abcdef';
const SECRET = 'a'.repeat(48);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('parseApiKey', () => {
  it('splits bax-{16 hex id}-{48 hex secret}', () => {
    expect(parseApiKey(`bax-${ID}-${SECRET}`)).toEqual({ id: ID, secret: SECRET });
  });
  it.each([
    [`bax-${ID}-${SECRET}x`], [`bax-${ID}-${SECRET.slice(1)}`], [`bax-${ID.slice(1)}-${SECRET}`], [`BAX-${ID}-${SECRET}`],
    [`bax-${ID.toUpperCase()}-${SECRET}`], [`bax_${ID}_${SECRET}`], [` bax-${ID}-${SECRET}`], [`bax-${ID}-${SECRET}\n`], [''],
    [`bax-${'g'.repeat(16)}-${SECRET}`],
  ])('refuses anything else: %j', (key) => {
    expect(parseApiKey(key)).toBeNull();
    expect(API_KEY_RE.test(key)).toBe(false);
  });
});

describe('the request signature', () => {
  it('the signing key is HMAC-SHA256(secret, "bella-request-signing-v1"), so the server never needs the secret', () => {
    expect(deriveSigningKey(SECRET)).toEqual(createHmac('sha256', SECRET).update('bella-request-signing-v1').digest());
    expect(deriveSigningKey(SECRET)).toHaveLength(32);
    expect(deriveSigningKey(SECRET)).not.toEqual(deriveSigningKey('b'.repeat(48)));
  });

  it('the canonical query sorts decoded pairs by name then value and re-encodes them', () => {
    expect(canonicalQuery('')).toBe('');
    expect(canonicalQuery('?')).toBe('');
    expect(canonicalQuery('?b=2&a=1')).toBe('a=1&b=2');
    expect(canonicalQuery('event=B&event=A&limit=5')).toBe('event=A&event=B&limit=5');
    expect(canonicalQuery('q=a+b&r=a%20b')).toBe('q=a%20b&r=a%20b');
    expect(canonicalQuery('x=%2F%3F%26%3D')).toBe('x=%2F%3F%26%3D');
    expect(canonicalQuery('flag')).toBe('flag=');
    expect(canonicalQuery('n=%C3%A9')).toBe('n=%C3%A9');
    expect(canonicalQuery('B=1&a=1')).toBe('B=1&a=1'); // code-unit order: upper case first
  });

  it('the string to sign is METHOD, path, canonical query, timestamp and the body hash, one per line', () => {
    expect(stringToSign('get', '/api/v1/x', '?b=2&a=1', '1700000000', '')).toBe(`GET\n/api/v1/x\na=1&b=2\n1700000000\n${EMPTY_SHA256}`);
    const body = '{"value":"v"}';
    expect(stringToSign('PUT', '/p', '', '1', body).split('\n')[4]).toBe(createHash('sha256').update(body).digest('hex'));
    expect(stringToSign('PUT', '/p', '', '1', Buffer.from(body))).toBe(stringToSign('PUT', '/p', '', '1', body));
  });

  it('the signature is hex HMAC-SHA256 of the string to sign, and any change to the request changes it', () => {
    const k = deriveSigningKey(SECRET);
    const sig = signRequest(k, 'GET', '/p', 'a=1', '100', '');
    expect(sig).toBe(createHmac('sha256', k).update(`GET\n/p\na=1\n100\n${EMPTY_SHA256}`).digest('hex'));
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(signRequest(k, 'get', '/p', '?a=1', '100', '')).toBe(sig);
    for (const other of [
      signRequest(k, 'POST', '/p', 'a=1', '100', ''), signRequest(k, 'GET', '/q', 'a=1', '100', ''),
      signRequest(k, 'GET', '/p', 'a=2', '100', ''), signRequest(k, 'GET', '/p', 'a=1', '101', ''),
      signRequest(k, 'GET', '/p', 'a=1', '100', ' '), signRequest(deriveSigningKey('b'.repeat(48)), 'GET', '/p', 'a=1', '100', ''),
    ]) expect(other).not.toBe(sig);
  });

  it('the allowed clock skew is a few minutes', () => {
    expect(SIGNATURE_MAX_SKEW_SECONDS).toBeGreaterThanOrEqual(60);
    expect(SIGNATURE_MAX_SKEW_SECONDS).toBeLessThanOrEqual(600);
  });
});

describe('the server verifies signatures made with these functions', () => {
  let t: TestServer;
  let key = '';
  const path = '/api/v1/projects/sig/environments/prod/secrets/K';
  beforeAll(async () => {
    t = await startTestServer();
    const a = t.adminToken;
    await t.req('POST', '/api/v1/projects', { token: a, body: { slug: 'sig', name: 'Sig' } });
    await t.req('POST', '/api/v1/projects/sig/environments', { token: a, body: { slug: 'prod', name: 'Prod' } });
    await t.req('PUT', path, { token: a, body: { value: 'signed-value' } });
    key = (await t.req('POST', '/api/v1/projects/sig/environments/prod/api-keys', { token: a, body: { name: 'k', role: 'CONSUMER' } })).json().key;
  });
  afterAll(async () => t.close());

  const signed = (method: string, search: string, tsOffset = 0, tamper?: (h: Record<string, string>) => void) => {
    const { id, secret } = parseApiKey(key) as { id: string; secret: string };
    const ts = String(Math.floor(Date.now() / 1000) + tsOffset);
    const headers: Record<string, string> = {
      'x-bella-key-id': id, 'x-bella-timestamp': ts, 'x-bella-signature': signRequest(deriveSigningKey(secret), method, path, search, ts, ''),
    };
    tamper?.(headers);
    return t.req(method, `${path}${search ? `?${search}` : ''}`, { headers });
  };

  it('a correctly signed request is accepted, with its query in any order', async () => {
    expect((await signed('GET', '')).json()).toMatchObject({ value: 'signed-value' });
    const { id, secret } = parseApiKey(key) as { id: string; secret: string };
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = signRequest(deriveSigningKey(secret), 'GET', path, 'a=1&b=2', ts, '');
    const r = await t.req('GET', `${path}?b=2&a=1`, { headers: { 'x-bella-key-id': id, 'x-bella-timestamp': ts, 'x-bella-signature': sig } });
    expect(r.statusCode).toBe(200);
  });

  it('a tampered signature, a changed query or a stale timestamp is refused with 401', async () => {
    const flip = (h: Record<string, string>) => {
      const s = h['x-bella-signature'] as string;
      h['x-bella-signature'] = `${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`;
    };
    expect((await signed('GET', '', 0, flip)).statusCode).toBe(401);
    expect((await signed('GET', '', -(SIGNATURE_MAX_SKEW_SECONDS + 60))).statusCode).toBe(401);
    expect((await signed('GET', '', SIGNATURE_MAX_SKEW_SECONDS + 60)).statusCode).toBe(401);
    const { id } = parseApiKey(key) as { id: string };
    const ts = String(Math.floor(Date.now() / 1000));
    const good = signRequest(deriveSigningKey((parseApiKey(key) as { secret: string }).secret), 'GET', path, 'a=1', ts, '');
    const r = await t.req('GET', `${path}?a=2`, { headers: { 'x-bella-key-id': id, 'x-bella-timestamp': ts, 'x-bella-signature': good } });
    expect(r.statusCode).toBe(401);
  });
});

describe('the published SDK\'s signature form (@bella-baxter/sdk, its own signer)', () => {
  it('the server\'s SDK string to sign reproduces the SDK\'s Kiota signer exactly, query order included', async () => {
    const { BellaAuthenticationProvider } = await import('@bella-baxter/sdk');
    const key = `bax-${ID}-${'0123456789abcdef'.repeat(3)}`;
    const provider = new BellaAuthenticationProvider({ apiKey: key, appClient: 'unit' });
    const headers = new Map<string, string>();
    const body = new TextEncoder().encode('{"value":"x"}');
    const url = 'http://h/api/v1/projects/p/environments/e/secrets/K?b=2&a=1&B=3&x=%2F+y&a=0';
    await provider.authenticateRequest({ httpMethod: 'PUT', URL: url, content: body, headers: { tryAdd: (k: string, v: string) => headers.set(k, v) } } as never);
    const ts = headers.get('X-Bella-Timestamp') as string;
    expect(signatureForm(ts)).toBe('sdk');
    expect(headers.get('X-Bella-Key-Id')).toBe(ID);
    const u = new URL(url);
    const expected = createHmac('sha256', sdkSigningKey('0123456789abcdef'.repeat(3))).update(sdkStringToSign('PUT', u.pathname, u.search, ts, Buffer.from(body))).digest('hex');
    expect(headers.get('X-Bella-Signature')).toBe(expected);
    // Sorted by name only, localeCompare (a before B), a repeated name in its order: not Bella's own order.
    expect(sdkCanonicalQuery(u.search)).toBe('a=1&a=0&b=2&B=3&x=%2F%20y');
    expect(canonicalQuery(u.search)).toBe('B=3&a=0&a=1&b=2&x=%2F%20y');
  });

  it('tells the forms apart by the timestamp, and reads both as Unix seconds', () => {
    expect(signatureForm('1764844652')).toBe('bella');
    expect(signatureForm('2026-12-04T10:37:32Z')).toBe('sdk');
    expect(signatureForm('2026-12-04T10:37:32.123Z')).toBe('sdk');
    for (const bad of ['2026-12-04T10:37:32', '2026-12-04 10:37:32Z', '2026-12-04T10:37:32+00:00', '2026-13-04T10:37:32Z', '', '1.5', '-1']) expect(signatureForm(bad), bad).toBeNull();
    expect(timestampSeconds('2026-12-04T10:37:32Z')).toBe(Date.UTC(2026, 11, 4, 10, 37, 32) / 1000);
    expect(timestampSeconds('1764844652')).toBe(1764844652);
    expect(timestampSeconds('nope')).toBeNaN();
  });
});
