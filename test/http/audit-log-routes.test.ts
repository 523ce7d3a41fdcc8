import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { createKey, expectSeedShape, rid, seedProject } from './helpers.js';

for (const kind of await testStores()) {
  describe(`GET /api/v1/audit-logs (${kind})`, () => {
    /** A clock the test moves forward, so since/until filters have known days to select (one per store's suite). */
    let now = new Date('2026-03-01T09:00:00.000Z');
    const at = (iso: string) => {
      now = new Date(iso);
    };
    let t: TestServer;
    let alice: string;
    let admin: string;
    let keyId: string;
    /** Sessions last 12 h, so every jump of the clock logs in again. */
    const jump = async (iso: string) => {
      at(iso);
      admin = await t.login(ADMIN_EMAIL, ADMIN_PASSWORD);
      alice = await t.login('alice@example.com', 'pw-alice@example.com-long-enough');
    };
    const list = async (query: string, token = admin): Promise<AuditEntry[]> => {
      const r = await t.req('GET', `/api/v1/audit-logs${query}`, { token });
      expect(r.statusCode, r.body).toBe(200);
      return r.json().entries as AuditEntry[];
    };

    beforeAll(async () => {
      t = await startTestServer({ store: kind, clock: () => now });
      alice = await t.user('alice@example.com', 'Alice');
      await seedProject(t, alice, 'web', ['prod', 'dev']);
      admin = t.adminToken;
      await seedProject(t, admin, 'other', ['prod']);
      await jump('2026-03-02T10:00:00.000Z');
      await t.req('PUT', '/api/v1/projects/web/environments/prod/secrets/DB_URL', { token: alice, body: { value: 'one' } });
      await t.req('GET', '/api/v1/projects/web/environments/prod/secrets/DB_URL', { token: alice, headers: { 'x-request-id': 'read-day2' } });
      const k = await createKey(t, alice, 'web', 'prod', 'CONSUMER', 'ci-bot');
      keyId = k.id;
      await t.req('GET', '/api/v1/projects/web/environments/prod/secrets/DB_URL', { token: k.key });
      await jump('2026-03-03T11:00:00.000Z');
      await t.req('PUT', '/api/v1/projects/web/environments/dev/secrets/DB_URL', { token: alice, body: { value: 'two' } });
      await t.req('PUT', '/api/v1/projects/web/environments/prod/secrets/DB_URL', { token: k.key, body: { value: 'nope' } });
      await jump('2026-03-04T12:00:00.000Z');
    });
    afterAll(async () => t.close());

    it('answers {entries, nextCursor}, newest first, every entry in the seed shape', async () => {
      const r = await t.req('GET', '/api/v1/audit-logs', { token: admin });
      expect(Object.keys(r.json()).sort()).toEqual(['entries', 'nextCursor']);
      const entries = r.json().entries as AuditEntry[];
      entries.forEach(expectSeedShape);
      const seqs = entries.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      expect(r.json().nextCursor).toBeNull();
      // The bootstrap admin creation is an instance event by the System actor.
      expect(entries.at(-1)).toMatchObject({ event: 'UserCreated', actor: { type: 'System', name: 'bella-server' }, projectSlug: null });
    });

    it('filters by project and environment', async () => {
      const web = await list('?project=web');
      expect(web.length).toBeGreaterThan(5);
      expect(new Set(web.map((e) => e.projectSlug))).toEqual(new Set(['web']));
      const dev = await list('?project=web&environment=dev');
      expect(dev.map((e) => e.event)).toEqual(['SecretCreated', 'EnvironmentCreated']);
    });

    it('filters by since and until (dates, date-times and durations)', async () => {
      const day2 = await list('?since=2026-03-02&until=2026-03-03');
      expect(day2.length).toBeGreaterThan(0);
      expect(day2.every((e) => e.timestamp.startsWith('2026-03-02'))).toBe(true);
      const iso = await list(`?since=${encodeURIComponent('2026-03-03T11:00:00.000+00:00')}`);
      expect(iso.every((e) => e.timestamp >= '2026-03-03T11:00:00.000Z')).toBe(true);
      expect(iso.map((e) => e.event).filter((e) => e !== 'UserLogin').sort()).toEqual(['SecretCreated', 'SecretUpdated']);
      expect(await list('?since=2d')).toEqual(await list('?since=2026-03-02T12:00:00Z'));
    });

    it('filters by actor email, actor name and API key id, and by actorType', async () => {
      const byEmail = await list('?actor=ALICE@example.com');
      expect(byEmail.length).toBeGreaterThan(3);
      expect(byEmail.every((e) => e.actor.email === 'alice@example.com')).toBe(true);
      expect((await list('?actor=Alice')).map((e) => e.id)).toEqual(byEmail.filter((e) => e.event !== 'UserLoginFailed').map((e) => e.id));
      const byKey = await list(`?actor=${keyId}`);
      expect(byKey.map((e) => e.event)).toEqual(['SecretUpdated', 'SecretRead']);
      expect(await list('?actorType=ApiKey')).toEqual(byKey);
      // The server's own entries: the bootstrap admin, then the checkpoint signing key (docs/verification.md).
      expect((await list('?actorType=System')).map((e) => e.event)).toEqual(['CheckpointKeyCreated', 'UserCreated']);
    });

    it('filters by one event, by several (comma-separated or repeated), by outcome, resource and requestId', async () => {
      const reads = await list('?event=SecretRead');
      expect(reads).toHaveLength(2);
      const both = await list('?event=SecretRead,SecretCreated');
      expect(both.every((e) => ['SecretRead', 'SecretCreated'].includes(e.event))).toBe(true);
      expect(await list('?event=SecretRead&event=SecretCreated')).toEqual(both);
      const denied = await list('?outcome=Denied');
      expect(denied).toEqual([expect.objectContaining({ event: 'SecretUpdated', reason: 'insufficient_role', actor: expect.objectContaining({ id: keyId }) })]);
      expect((await list('?resource=DB_URL')).every((e) => e.resource === 'DB_URL')).toBe(true);
      expect(await list('?requestId=read-day2')).toEqual([expect.objectContaining({ event: 'SecretRead', requestId: 'read-day2' })]);
      expect(await list('?project=web&event=SecretRead&actorType=User&outcome=Success&since=2026-03-02')).toHaveLength(1);
    });

    it('SQL metacharacters in free-text filters match nothing and break nothing', async () => {
      expect(await list(`?actor=${encodeURIComponent("' OR '1'='1")}`)).toEqual([]);
      expect(await list(`?resource=${encodeURIComponent('DB_URL" OR 1=1; --')}`)).toEqual([]);
      expect(await list(`?requestId=${encodeURIComponent("x'); DROP TABLE audit_log; --")}`)).toEqual([]);
      expect((await list('')).length).toBeGreaterThan(0);
    });

    it('pages with limit and an opaque cursor until nextCursor is null, without gaps or repeats', async () => {
      const all = await list('?limit=1000');
      const seen: AuditEntry[] = [];
      let cursor: string | null = null;
      do {
        const q: string = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const r = await t.req('GET', `/api/v1/audit-logs${q}`, { token: admin });
        const page = r.json() as { entries: AuditEntry[]; nextCursor: string | null };
        expect(page.entries.length).toBeLessThanOrEqual(3);
        seen.push(...page.entries);
        cursor = page.nextCursor;
        if (cursor) expect(cursor).not.toMatch(/^\d+$/);
      } while (cursor);
      expect(seen.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    });

    it('a cursor keeps the filter: paging within event=SecretRead stays within it', async () => {
      const first = (await t.req('GET', '/api/v1/audit-logs?event=SecretRead&limit=1', { token: admin })).json();
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = (await t.req('GET', `/api/v1/audit-logs?event=SecretRead&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`, { token: admin })).json();
      expect(second.entries).toEqual([expect.objectContaining({ event: 'SecretRead' })]);
      expect(second.entries[0].seq).toBeLessThan(first.entries[0].seq);
      expect(second.nextCursor).toBeNull();
    });

    it('a non-admin reads only the projects where it is OWNER, PROJECT_MANAGER or AUDITOR, without instance events', async () => {
      const mine = await list('', alice);
      expect(mine.length).toBeGreaterThan(0);
      expect(new Set(mine.map((e) => e.projectSlug))).toEqual(new Set(['web']));
      const other = await t.req('GET', '/api/v1/audit-logs?project=other', { token: alice });
      expect(other.statusCode).toBe(403);
      const id = rid('nobody');
      await t.req('POST', '/api/v1/users', { token: admin, body: { email: 'stranger@example.com', name: 'S', password: 'stranger-password' } });
      const stranger = await t.login('stranger@example.com', 'stranger-password');
      const r = await t.req('GET', '/api/v1/audit-logs', { token: stranger, headers: { 'x-request-id': id } });
      // Refused, not an empty log that looks quiet (issue 20); the refusal is recorded.
      expect(r.statusCode).toBe(403);
      expect(r.json().error.message).toMatch(/you may read no project's logs/);
    });
  });
}
