import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../test/helpers/harness.js';
import { createTestDatabase, postgresAvailable, queryDatabase, type TestDatabase } from '../../test/helpers/pg.js';
import type { AccessEntry, AuditEntry } from '../contract/entries.js';
import { accessDraft } from '../store/store.conformance.js';
import { createRetentionService } from './retention.js';

const DAY = 86_400_000;
const STORES = ['sqlite', ...((await postgresAvailable()) ? ['postgres'] : [])] as const;

for (const kind of STORES) {
  describe(`retention on ${kind}`, () => {
    let now: Date;
    let db: TestDatabase | null = null;
    let t: TestServer;
    let token: string;
    const at = (iso: string) => (now = new Date(iso));
    const relogin = async () => (token = await t.login(ADMIN_EMAIL, ADMIN_PASSWORD));
    const secretUrl = '/api/v1/projects/p1/environments/prod/secrets/DB_URL';

    /** Rows with ts < cutoff still in storage (not just hidden from queries). */
    const storedOlderThan = async (table: 'audit_log' | 'access_log', cutoff: string): Promise<number> => {
      if (db) return Number((await queryDatabase<{ n: string }>(db.url, `SELECT count(*) AS n FROM ${table} WHERE ts < $1`, [cutoff]))[0]?.n);
      const file = new Database(join(t.dataDir, 'bella.db'), { readonly: true });
      try {
        return (file.prepare(`SELECT count(*) AS n FROM ${table} WHERE ts < ?`).get(cutoff) as { n: number }).n;
      } finally {
        file.close();
      }
    };
    const list = async <E>(path: string): Promise<E[]> => {
      const r = await t.req('GET', `${path}?limit=500`, { token });
      expect(r.statusCode).toBe(200);
      return (r.json() as { entries: E[] }).entries;
    };

    beforeEach(async () => {
      at('2026-01-10T12:00:00.000Z');
      db = kind === 'postgres' ? await createTestDatabase() : null;
      t = await startTestServer({ clock: () => now, env: db ? { BELLA_DATABASE_URL: db.url } : {} });
      token = t.adminToken;
      for (const [m, u, body] of [
        ['POST', '/api/v1/projects', { slug: 'p1', name: 'P1' }],
        ['POST', '/api/v1/projects/p1/environments', { slug: 'prod', name: 'Prod' }],
        ['PUT', secretUrl, { value: 'postgres://app@db/app' }],
      ] as const) {
        expect((await t.req(m, u, { token, body })).statusCode).toBeLessThan(300);
      }
      expect((await t.req('GET', secretUrl, { token })).statusCode).toBe(200);
    });
    afterEach(async () => {
      await t.close();
      await db?.drop();
    });

    it('entries older than the window disappear from queries and storage, younger ones stay, and the purge is recorded', async () => {
      at('2026-03-01T12:00:00.000Z');
      await relogin();
      expect((await t.req('GET', secretUrl, { token })).statusCode).toBe(200);
      at('2026-05-20T12:00:00.000Z'); // 130 days after the first requests, 80 after the second
      await relogin();
      const report = await t.server.services.retention.purge();
      expect(report.accessCutoff).toBe(new Date(now.getTime() - 90 * DAY).toISOString());
      expect(report.accessDeleted).toBeGreaterThanOrEqual(5);
      expect(report.auditDeleted).toBe(0);
      const access = await list<AccessEntry>('/api/v1/access-logs');
      expect(access.every((e) => e.timestamp >= report.accessCutoff)).toBe(true);
      expect(access.some((e) => e.timestamp.startsWith('2026-03-01'))).toBe(true);
      expect(await storedOlderThan('access_log', report.accessCutoff)).toBe(0);
      if (db) {
        // January ended before the cut-off (Feb 19): its partition was dropped whole, not emptied row by row.
        const parts = await queryDatabase<{ relname: string }>(db.url, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'access_log_p2026%'");
        expect(parts.map((p) => p.relname)).not.toContain('access_log_p202601');
        expect(parts.map((p) => p.relname)).toContain('access_log_p202603');
      }
      const audit = await list<AuditEntry>('/api/v1/audit-logs');
      expect(audit.filter((e) => e.event === 'SecretRead').map((e) => e.timestamp.slice(0, 10))).toEqual(['2026-03-01', '2026-01-10']);
      const purged = audit.filter((e) => e.event === 'LogsPurged');
      expect(purged).toHaveLength(1);
      expect(purged[0]).toMatchObject({
        actor: { type: 'System' }, outcome: 'Success',
        details: { accessDeleted: report.accessDeleted, auditDeleted: 0, accessDays: 90, auditDays: 365 },
      });
      expect((await t.server.services.retention.purge()).accessDeleted).toBe(0);
    });

    it('a lowered window takes effect at the next purge and the change is audited with old and new values', async () => {
      at('2026-03-15T12:00:00.000Z');
      await relogin();
      const put = await t.req('PUT', '/api/v1/admin/retention', { token, body: { auditDays: 30, accessDays: 60 } });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ auditDays: 30, accessDays: 60, defaults: { auditDays: 365, accessDays: 90 } });
      expect((await t.req('GET', '/api/v1/admin/retention', { token })).json()).toMatchObject({ auditDays: 30, accessDays: 60 });
      const report = await t.server.services.retention.purge();
      expect(report.auditDeleted).toBeGreaterThanOrEqual(4);
      expect(await storedOlderThan('audit_log', report.auditCutoff)).toBe(0);
      expect(await storedOlderThan('access_log', report.accessCutoff)).toBe(0);
      const audit = await list<AuditEntry>('/api/v1/audit-logs');
      expect(audit.map((e) => e.event)).toEqual(['LogsPurged', 'RetentionChanged', 'UserLogin']);
      expect(audit[1]).toMatchObject({
        actor: { email: ADMIN_EMAIL }, resource: 'retention',
        details: { old: { auditDays: 365, accessDays: 90 }, new: { auditDays: 30, accessDays: 60 } },
      });
    });

    it('malformed or too-short windows are refused with a clear message and only an instance admin may read or change them', async () => {
      const refused = async (body: unknown, text: string) => {
        const r = await t.req('PUT', '/api/v1/admin/retention', { token, body });
        expect(r.statusCode, JSON.stringify(body)).toBe(400);
        expect((r.json() as { error: { message: string } }).error.message).toContain(text);
      };
      await refused({ auditDays: 7 }, 'auditDays must be at least 30 days');
      await refused({ accessDays: 0 }, 'accessDays must be at least 1 days');
      await refused({ accessDays: 40_000 }, 'at most 36500');
      await refused({ auditDays: '400d' }, 'auditDays');
      await refused({ auditDays: 1.5 }, 'auditDays');
      await refused({}, 'send auditDays, accessDays or both');
      await refused({ auditDays: 400, purgeNow: true }, 'purgeNow');
      const bob = await t.user('bob@example.com');
      expect((await t.req('GET', '/api/v1/admin/retention', { token: bob })).statusCode).toBe(403);
      expect((await t.req('PUT', '/api/v1/admin/retention', { token: bob, body: { auditDays: 400 } })).statusCode).toBe(403);
      expect((await t.req('GET', '/api/v1/admin/retention', { token })).json()).toMatchObject({ auditDays: 365, accessDays: 90 });
      const denied = (await list<AuditEntry>('/api/v1/audit-logs')).filter((e) => e.event === 'RetentionChanged');
      expect(denied).toMatchObject([{ outcome: 'Denied', actor: { email: 'bob@example.com' }, reason: 'admin_required' }]);
    });

    it('when the purge entry cannot be committed, the next run reports the earlier removals too', async () => {
      at('2026-05-20T12:00:00.000Z');
      const failing = { ...t.server.uow, run: () => Promise.reject(new Error('store unavailable')) };
      await expect(createRetentionService({ store: t.server.store, uow: failing, clock: t.server.deps.clock }).purge()).rejects.toThrow('store unavailable');
      await t.server.store.commitBatch([{ audit: [], access: [accessDraft({ timestamp: '2026-01-01T00:00:00.000Z' })] }]);
      const second = await t.server.services.retention.purge();
      expect(second.accessDeleted).toBe(1);
      const [entry] = await t.server.store.auditLog.query({ events: ['LogsPurged'] }, 10);
      expect(entry?.details).toMatchObject({ accessDeleted: 1, unrecordedEarlier: { auditDeleted: 0 } });
      expect((entry?.details.unrecordedEarlier as { accessDeleted: number }).accessDeleted).toBeGreaterThanOrEqual(3);
    });

    it('concurrent secret reads keep succeeding during a purge', async () => {
      // The purge the retention worker runs at start (already expired rows would count there) is over first.
      await t.server.services.retention.purge();
      // Old traffic: 6,000 access rows a year back, committed directly through the store.
      for (let b = 0; b < 12; b++) {
        const rows = Array.from({ length: 500 }, () => accessDraft({ timestamp: '2025-01-10T00:00:00.000Z' }));
        await t.server.store.commitBatch([{ audit: [], access: rows }]);
      }
      at('2026-01-11T12:00:00.000Z');
      await relogin();
      const purge = t.server.services.retention.purge();
      const reads: number[] = [];
      let done = false;
      void purge.finally(() => (done = true));
      while (!done || reads.length < 20) {
        const batch = await Promise.all(Array.from({ length: 5 }, () => t.req('GET', secretUrl, { token })));
        reads.push(...batch.map((r) => r.statusCode));
      }
      expect((await purge).accessDeleted).toBe(6000);
      expect(reads.every((s) => s === 200)).toBe(true);
    });
  });
}
