import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemOp } from '../../src/audit/recorder.js';
import type { AuditEntry } from '../../src/contract/entries.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { errorOf, rid, seedProject } from './helpers.js';

/** Every character of the refused set (src/contract/text-safety.ts), with how a message names it. */
const REFUSED: readonly (readonly [string, string])[] = [
  ['\u0007', 'U+0007'], ['\u007f', 'U+007F'], ['\u0085', 'U+0085'], ['\u009b', 'U+009B'], ['\u061c', 'U+061C'], ['\u200e', 'U+200E'], ['\u200f', 'U+200F'],
  ['\u2028', 'U+2028'], ['\u2029', 'U+2029'], ['\u202a', 'U+202A'], ['\u202e', 'U+202E'], ['\u2066', 'U+2066'], ['\u2069', 'U+2069'],
];
/** Characters JSON.stringify leaves raw; a JSON or NDJSON export must hold them only as \u escapes. */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/**
 * Bidi and C1 control characters: names people choose refuse them (400 naming the field and the code
 * point); text already in the logs (a user agent's bytes 0x80–0x9F, a name stored before the rule)
 * leaves JSON and NDJSON as \u escapes, CSV cells and CLI tables as visible escapes.
 */
for (const kind of await testStores()) {
  describe(`control and bidi characters (${kind})`, () => {
    let t: TestServer;
    let bob: string;
    const ua = 'curl/8 \u0085\u009b31m'; // what Node makes of user-agent bytes 0x85 0x9B: C1 controls
    const evilName = 'Mallory \u202egnp.exe\u2066';
    let id: string;

    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      bob = await t.user('bob@example.com', 'Bob');
      await seedProject(t, bob, 'web', ['prod']);
      // A user whose name predates the rule: created through the service, which the HTTP schema guards.
      await t.server.services.users.create(systemOp({ clock: () => new Date() }), { email: 'mallory@example.com', name: evilName, password: 'mallory-password-long' });
      const mallory = await t.login('mallory@example.com', 'mallory-password-long');
      id = rid('ctl');
      const r = await t.req('GET', '/api/v1/projects/web/environments/prod/secrets/A', { token: mallory, headers: { 'user-agent': ua, 'x-request-id': id } });
      expect(r.statusCode).toBe(403);
    });
    afterAll(async () => t.close());

    it.each(REFUSED)('an API key name with %j is refused with a 400 naming body.name and %s', async (ch, label) => {
      const r = await t.req('POST', '/api/v1/projects/web/environments/prod/api-keys', { token: bob, body: { name: `deploy${ch}key`, role: 'CONSUMER' } });
      expect(r.statusCode, r.body).toBe(400);
      expect(errorOf(r).code).toBe('validation_failed');
      expect(errorOf(r).message).toContain('body.name:');
      expect(errorOf(r).message).toContain(label);
    });

    it('project, environment and user names refuse them too, each naming its field and the code point', async () => {
      const p = await t.req('POST', '/api/v1/projects', { token: bob, body: { slug: 'evil', name: 'Evil \u202e' } });
      expect(p.statusCode).toBe(400);
      expect(errorOf(p).message).toMatch(/body\.name: .*U\+202E, a bidirectional-formatting character/);
      const e = await t.req('POST', '/api/v1/projects/web/environments', { token: bob, body: { slug: 'stage', name: 'Sta\u2028ge' } });
      expect(e.statusCode).toBe(400);
      expect(errorOf(e).message).toMatch(/body\.name: .*U\+2028, a line or paragraph separator/);
      const u = await t.req('POST', '/api/v1/users', { token: t.adminToken, body: { email: 'x@example.com', name: 'X\u0085', password: 'long-enough-password' } });
      expect(u.statusCode).toBe(400);
      expect(errorOf(u).message).toMatch(/body\.name: .*U\+0085, a control character/);
      const m = await t.req('POST', '/api/v1/users', { token: t.adminToken, body: { email: 'x\u202e@example.com', name: 'X', password: 'long-enough-password' } });
      expect(m.statusCode).toBe(400);
      expect(errorOf(m).message).toMatch(/body\.email: .*U\+202E/);
      // Ordinary non-ASCII names are still welcome.
      expect((await t.req('POST', '/api/v1/projects', { token: bob, body: { slug: 'intl', name: 'Zürich 東京 مرحبا' } })).statusCode).toBe(201);
    });

    it('JSON and NDJSON exports write C1 and bidi characters as \\u escapes, and parse back to the stored text', async () => {
      for (const format of ['json', 'ndjson'] as const) {
        const r = await t.req('GET', `/api/v1/audit-logs/export?format=${format}&requestId=${id}`, { token: t.adminToken });
        expect(r.statusCode).toBe(200);
        expect(RAW_IN_JSON.test(r.body), `${format} export holds a raw control or bidi character`).toBe(false);
        expect(r.body).toContain('\\u0085\\u009b31m');
        expect(r.body).toContain('Mallory \\u202egnp.exe\\u2066');
        const entries = (format === 'json' ? JSON.parse(r.body) : r.body.trimEnd().split('\n').map((l) => JSON.parse(l))) as AuditEntry[];
        expect(entries.map((e) => [e.userAgent, e.actor.name])).toEqual([[ua, evilName]]);
      }
      const access = await t.req('GET', `/api/v1/access-logs/export?format=ndjson&requestId=${id}`, { token: t.adminToken });
      expect(RAW_IN_JSON.test(access.body)).toBe(false);
      expect(access.body).toContain('\\u0085');
    });

    it('CSV cells show them as visible escapes (\\x85, \\u202e), formula neutralisation or not', async () => {
      for (const neutralize of ['true', 'false']) {
        const r = await t.req('GET', `/api/v1/audit-logs/export?format=csv&neutralize=${neutralize}&requestId=${id}`, { token: t.adminToken });
        expect(r.statusCode).toBe(200);
        expect(RAW_IN_JSON.test(r.body)).toBe(false);
        const rows = parse(r.body) as string[][];
        const name = (rows[0] as string[]).indexOf('actor.name');
        expect(rows[1]?.[name]).toBe('Mallory \\u202egnp.exe\\u2066');
      }
    });

    it('the API list endpoints answer JSON with the same \\u escapes', async () => {
      for (const path of [`/api/v1/audit-logs?requestId=${id}`, `/api/v1/access-logs?requestId=${id}`, '/api/v1/users']) {
        const r = await t.req('GET', path, { token: t.adminToken });
        expect(r.statusCode).toBe(200);
        expect(RAW_IN_JSON.test(r.body), path).toBe(false);
      }
      const listed = (await t.req('GET', `/api/v1/audit-logs?requestId=${id}`, { token: t.adminToken })).json().entries as AuditEntry[];
      expect(listed[0]?.userAgent).toBe(ua);
    });
  });
}
