import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { auditFor, rid, seedProject } from './helpers.js';

const VALUE = 'backup-route-marker-0b7e';

for (const kind of await testStores()) {
  describe(`POST /api/v1/admin/backup (${kind})`, () => {
    let t: TestServer;
    const dir = mkdtempSync(join(tmpdir(), 'bella-backup-test-'));
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await seedProject(t, t.adminToken, 'bk', ['prod']);
      expect((await t.req('PUT', '/api/v1/projects/bk/environments/prod/secrets/K', { token: t.adminToken, body: { value: VALUE } })).statusCode).toBe(200);
    });
    afterAll(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a user who is not the instance admin is refused, and the refusal is a Denied BackupCreated entry', async () => {
      const user = await t.user('someone@example.com');
      const id = rid('backup-denied');
      const r = await t.req('POST', '/api/v1/admin/backup', { token: user, headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ error: { code: 'forbidden' } });
      expect(await auditFor(t, id)).toMatchObject([{ event: 'BackupCreated', outcome: 'Denied', reason: 'admin_required' }]);
    });

    if (kind === 'sqlite') {
      it('the admin gets a consistent SQLite copy holding the data and its own entry; the temporary copy is gone afterwards', async () => {
        const id = rid('backup-ok');
        const r = await t.req('POST', '/api/v1/admin/backup', { token: t.adminToken, headers: { 'x-request-id': id } });
        expect(r.statusCode).toBe(200);
        expect(r.headers['content-type']).toBe('application/vnd.sqlite3');
        expect(r.headers['content-disposition']).toMatch(/^attachment; filename="bella-backup-[0-9TZ-]+\.db"$/);
        expect(r.rawPayload.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
        expect(r.rawPayload.includes(Buffer.from(VALUE))).toBe(false); // values are encrypted
        const file = join(dir, 'copy.db');
        writeFileSync(file, r.rawPayload);
        const db = new Database(file, { readonly: true });
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.prepare("SELECT count(*) AS n FROM secrets WHERE key = 'K'").get()).toEqual({ n: 1 });
        db.close();
        const [entry] = await auditFor(t, id);
        expect(entry).toMatchObject({ event: 'BackupCreated', outcome: 'Success', resource: 'backup' });
        expect((entry?.details as { bytes: number }).bytes).toBe(r.rawPayload.length);
        await new Promise((res) => setTimeout(res, 50));
        const { readdirSync } = await import('node:fs');
        expect(readdirSync(t.dataDir).filter((f) => f.startsWith('.backup-'))).toEqual([]);
      });
    } else {
      it('on PostgreSQL the answer is 501 not_supported, pointing at pg_dump', async () => {
        const r = await t.req('POST', '/api/v1/admin/backup', { token: t.adminToken });
        expect(r.statusCode).toBe(501);
        expect(r.json()).toMatchObject({ error: { code: 'not_supported' } });
        expect(r.json().error.message).toContain('pg_dump');
      });
    }
  });
}
