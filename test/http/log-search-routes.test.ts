import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEntry, AuditEntry } from '../../src/contract/entries.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { createKey, seedProject } from './helpers.js';

/** q= on both logs (ANDed with the parameters), permalinks, the live tail, and the refusals that used to look like empty logs. */
for (const kind of await testStores()) {
  describe(`log search, permalinks and live tail (${kind})`, () => {
    let now = new Date('2026-03-02T10:00:00.000Z');
    let t: TestServer;
    let alice: string;
    let bob: string;
    let admin: string;
    let readerKey: string;
    const audit = async (query: string, token = admin): Promise<AuditEntry[]> => {
      const r = await t.req('GET', `/api/v1/audit-logs?${query}`, { token });
      expect(r.statusCode, r.body).toBe(200);
      return r.json().entries as AuditEntry[];
    };
    const access = async (query: string, token = admin): Promise<AccessEntry[]> => {
      const r = await t.req('GET', `/api/v1/access-logs?${query}`, { token });
      expect(r.statusCode, r.body).toBe(200);
      return r.json().entries as AccessEntry[];
    };
    const q = (s: string) => `q=${encodeURIComponent(s)}`;

    beforeAll(async () => {
      t = await startTestServer({ store: kind, clock: () => now });
      admin = t.adminToken;
      alice = await t.user('alice@example.com', 'Alice');
      bob = await t.user('bob@example.com', 'Bob');
      await seedProject(t, alice, 'web', ['production', 'staging']);
      await t.req('PUT', '/api/v1/projects/web/members/bob@example.com', { token: alice, body: { role: 'MEMBER' } });
      for (const [env, key] of [['production', 'DB_PASSWORD'], ['staging', 'DB_USER'], ['production', 'API_TOKEN']] as const) {
        await t.req('PUT', `/api/v1/projects/web/environments/${env}/secrets/${key}`, { token: alice, body: { value: 'v' } });
      }
      now = new Date('2026-03-03T10:00:00.000Z');
      // sessions last 12 h
      admin = await t.login(ADMIN_EMAIL, ADMIN_PASSWORD);
      alice = await t.login('alice@example.com', 'pw-alice@example.com-long-enough');
      bob = await t.login('bob@example.com', 'pw-bob@example.com-long-enough');
      await t.req('GET', '/api/v1/projects/web/environments/production/secrets/DB_PASSWORD', { token: alice, headers: { 'x-request-id': '0192f1a2-7b3c-7def-8123-456789abcdef' } });
      readerKey = (await createKey(t, alice, 'web', 'production', 'AUDITOR', 'log-reader')).key;
    });
    afterAll(async () => t.close());

    it('q= combines keys, lists, negation, prefixes and bare words, ANDed with the parameters', async () => {
      const created = await audit(q('event:SecretCreated,SecretUpdated resource:DB_*'));
      expect(created.map((e) => e.resource).sort()).toEqual(['DB_PASSWORD', 'DB_USER']);
      expect((await audit(`environment=production&${q('event:SecretCreated resource:DB_*')}`)).map((e) => e.resource)).toEqual(['DB_PASSWORD']);
      const notCreated = await audit(q('project:web -event:SecretCreated,MemberAdded,ProjectCreated,EnvironmentCreated'));
      expect(notCreated.length).toBeGreaterThan(0);
      expect(notCreated.every((e) => !['SecretCreated', 'MemberAdded'].includes(e.event))).toBe(true);
      expect((await audit(q('DB_PASSWORD'))).map((e) => e.event).sort()).toEqual(['SecretCreated', 'SecretRead']);
      expect((await audit(q('actor:ALICE@example.com event:SecretRead'))).map((e) => e.resource)).toEqual(['DB_PASSWORD']);
      expect(await audit(`actor=bob@example.com&${q('actor:alice@example.com')}`)).toEqual([]);
      // created: covers whole days; 03-03 only has the read and the key
      expect((await audit(q('project:web created:2026-03-03..2026-03-03'))).map((e) => e.event).sort()).toEqual(['ApiKeyCreated', 'SecretRead']);
      expect((await audit(q('project:web created:<2026-03-03'))).some((e) => e.event === 'SecretRead')).toBe(false);
      // the distinguishing end of a request id finds its entry
      expect((await audit(q('request:456789abcdef'))).map((e) => e.event)).toEqual(['SecretRead']);
      // test requests come from 127.0.0.1
      expect((await audit(q('project:web ip:127.0.0.0/8 event:SecretRead'))).length).toBe(1);
      expect(await audit(q('project:web ip:10.0.0.0/8'))).toEqual([]);
    });

    it('a bare word finds the entries whose resource or actor it names, newest first, page by page (PostgreSQL walks one branch per column)', async () => {
      const all = await audit('limit=1000');
      const w = 'alice@example.com';
      const expected = all.filter((e) => e.resource === w || e.actor.email?.toLowerCase() === w || e.actor.name === w || e.actor.id === w).map((e) => e.seq);
      expect(expected.length).toBeGreaterThan(3);
      expect(all.some((e) => e.resource === w && e.actor.email !== w)).toBe(true);
      expect((await audit(q(w))).map((e) => e.seq)).toEqual(expected);
      // the actor's email compares without case, the resource exactly
      expect((await audit(q('ALICE@example.com'))).map((e) => e.seq)).toEqual(all.filter((e) => e.actor.email === w).map((e) => e.seq));
      expect((await audit(`limit=2&${q(w)}`)).map((e) => e.seq)).toEqual(expected.slice(0, 2));
      const secrets = all.filter((e) => expected.includes(e.seq) && e.event === 'SecretCreated').map((e) => e.seq);
      expect((await audit(q(`${w} event:SecretCreated`))).map((e) => e.seq)).toEqual(secrets);
      expect(await audit(q('nobody-by-this-name'))).toEqual([]);
    });

    it('a bad q is a 400 naming the column, on the list, the export and the histogram', async () => {
      for (const path of ['/api/v1/audit-logs', '/api/v1/audit-logs/export', '/api/v1/audit-logs/histogram', '/api/v1/access-logs', '/api/v1/access-logs/stream']) {
        const r = await t.req('GET', `${path}?${q('actor:a evnt:SecretRead')}`, { token: admin });
        expect(r.statusCode, path).toBe(400);
        expect(r.json().error.message).toMatch(/^querystring\.q: unknown key "evnt" at column 9; keys: actor, /);
        expect(r.json().error.details).toEqual({ column: 9 });
      }
      const r = await t.req('GET', `/api/v1/access-logs?${q('event:SecretRead')}`, { token: admin });
      expect(r.json().error.message).toContain('does not apply to the Access Log');
    });

    it('the export and the histogram see what the list sees', async () => {
      const r = await t.req('GET', `/api/v1/audit-logs/export?format=ndjson&${q('resource:DB_* event:SecretCreated')}`, { token: admin });
      expect(r.body.trim().split('\n').map((l) => JSON.parse(l).resource).sort()).toEqual(['DB_PASSWORD', 'DB_USER']);
      const h = await t.req('GET', `/api/v1/audit-logs/histogram?since=2026-03-01&until=2026-03-04&buckets=3&${q('resource:DB_*')}`, { token: admin });
      const total = (h.json().buckets as { success: number; denied: number }[]).reduce((n, b) => n + b.success + b.denied, 0);
      expect(total).toBe(3);
    });

    it('the Access Log: a path matches with or without its query; excludeSelf hides the caller', async () => {
      await t.req('GET', '/api/v1/audit-logs?project=web&limit=5', { token: alice });
      const byPath = await access('path=/api/v1/audit-logs');
      expect(byPath.some((e) => e.path.startsWith('/api/v1/audit-logs?project=web'))).toBe(true);
      expect(byPath.every((e) => e.path === '/api/v1/audit-logs' || e.path.startsWith('/api/v1/audit-logs?'))).toBe(true);
      expect((await access(q('path:/api/v1/audit-logs actor:alice@example.com'))).length).toBeGreaterThan(0);
      const mine = await access('excludeSelf=false&limit=1000');
      const others = await access('excludeSelf=true&limit=1000');
      expect(mine.some((e) => e.actor.email === ADMIN_EMAIL)).toBe(true);
      expect(others.some((e) => e.actor.email === ADMIN_EMAIL)).toBe(false);
      expect(others.length).toBeGreaterThan(0);
    });

    it('GET …/:id is one entry, with the list\'s read scope', async () => {
      const [read] = await audit(q('event:SecretRead'));
      const r = await t.req('GET', `/api/v1/audit-logs/${read?.id}`, { token: alice });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual(read);
      expect((await t.req('GET', `/api/v1/audit-logs/${read?.id}`, { token: readerKey })).statusCode).toBe(200);
      // the admin's own instance entry is out of the key's scope: the same 404 as an unknown id
      const [created] = await audit(q('event:UserCreated'));
      expect((await t.req('GET', `/api/v1/audit-logs/${created?.id}`, { token: readerKey })).statusCode).toBe(404);
      expect((await t.req('GET', '/api/v1/audit-logs/0192f1a2-0000-7000-8000-000000000000', { token: admin })).statusCode).toBe(404);
      expect((await t.req('GET', '/api/v1/audit-logs/not%20an%20id', { token: admin })).statusCode).toBe(400);
      const [row] = await access('limit=1');
      const a = await t.req('GET', `/api/v1/access-logs/${row?.id}`, { token: admin });
      expect(a.json()).toEqual(row);
    });

    it('an unknown environment is a 404 listing the valid ones; a MEMBER without log rights is refused', async () => {
      const r = await t.req('GET', '/api/v1/audit-logs?project=web&environment=prod', { token: alice });
      expect(r.statusCode).toBe(404);
      expect(r.json().error.message).toBe('environment prod not found in project web; its environments: production, staging');
      const viaQ = await t.req('GET', `/api/v1/audit-logs?${q('project:web environment:prod')}`, { token: alice });
      expect(viaQ.statusCode).toBe(404);
      const member = await t.req('GET', '/api/v1/audit-logs', { token: bob });
      expect(member.statusCode).toBe(403);
      expect(member.json().error.message).toMatch(/you may read no project's logs/);
      const inProject = await t.req('GET', '/api/v1/audit-logs?project=web', { token: bob });
      expect(inProject.statusCode).toBe(403);
    });
  });
}

describe('a refused ApiKeyRevoked names the key', () => {
  it('records the key name and role in the Denied entry', async () => {
    const t = await startTestServer();
    try {
      const alice = await t.user('alice@example.com', 'Alice');
      const bob = await t.user('bob@example.com', 'Bob');
      await seedProject(t, alice, 'web', ['production']);
      await t.req('PUT', '/api/v1/projects/web/members/bob@example.com', { token: alice, body: { role: 'MEMBER' } });
      const k = await createKey(t, alice, 'web', 'production', 'CONSUMER', 'ci-deploy');
      const r = await t.req('DELETE', `/api/v1/api-keys/${k.id}`, { token: bob });
      expect(r.statusCode).toBe(403);
      const admin = await t.login(ADMIN_EMAIL, ADMIN_PASSWORD);
      const e = (await t.req('GET', `/api/v1/audit-logs?event=ApiKeyRevoked&outcome=Denied`, { token: admin })).json().entries[0] as AuditEntry;
      expect(e.details).toMatchObject({ name: 'ci-deploy', role: 'CONSUMER' });
    } finally {
      await t.close();
    }
  });
});
