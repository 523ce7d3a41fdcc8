import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, startServer, type TestServer } from './cli-harness.js';

/**
 * The real `bella` against a real server and its real SQLite file: a checkpoint kept outside, an
 * inclusion proof checked by `bella audit prove`, and `bella audit verify` catching an edited field
 * and a deleted tail, naming the seq.
 */
describe('bella audit public-key | checkpoint | prove | verify', () => {
  let server: TestServer;
  let admin: CliUser;
  let dir: string;

  beforeAll(async () => {
    server = await startServer();
    admin = new CliUser(server.url);
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    admin.ok(['projects', 'create', 'vfy', '--name', 'Verify']);
    admin.ok(['environments', 'create', 'prod', '-p', 'vfy']);
    for (let i = 0; i < 6; i++) admin.ok(['secrets', 'set', `K${i}`, `value-${i}`, '-p', 'vfy', '-e', 'prod']);
    dir = server.dataDir;
    writeFileSync(join(dir, 'bella.pub'), admin.ok(['audit', 'public-key']));
    writeFileSync(join(dir, 'cp.txt'), admin.ok(['audit', 'checkpoint', '--fresh']));
  }, 120_000);
  afterAll(() => server?.stop());

  it('prints the key and a signed checkpoint; proves an entry; verifies the untouched log and an export offline', () => {
    expect(admin.ok(['audit', 'public-key'])).toMatch(/^bella\.local\/audit-log\+[0-9a-f]{8}\+\S+\n$/);
    const entries = admin.json<AuditEntry[]>(['audit', 'list', '--output', 'json', '--event', 'SecretCreated']);
    const prove = admin.ok(['audit', 'prove', entries[0]?.id as string, '--public-key', join(dir, 'bella.pub')]);
    expect(prove).toMatch(/^OK {2}entry seq \d+ is included in checkpoint \d+$/m);
    // A receipt (the seq a response's Bella-Audit-Entry header gave) is proved the same way.
    expect(admin.ok(['audit', 'prove', String(entries[0]?.seq), '--public-key', join(dir, 'bella.pub')])).toContain(`OK  entry seq ${entries[0]?.seq} is included`);
    const ok = admin.ok(['audit', 'verify', '--public-key', join(dir, 'bella.pub'), '--checkpoint', join(dir, 'cp.txt')]);
    expect(ok).toMatch(/^OK {2}the live Audit Log: \d+ entries/m);
    const exported = admin.ok(['audit', 'list', '--output', 'json', '--with-proof', '--event', 'SecretCreated']);
    writeFileSync(join(dir, 'a.json'), exported);
    expect(admin.ok(['audit', 'verify', join(dir, 'a.json'), '--public-key', join(dir, 'bella.pub')])).toMatch(/^OK {2}.*a\.json: 6 entries/m);
    // Without a pinned key the CLI says whose key it trusted.
    expect(admin.run(['audit', 'verify']).stderr).toMatch(/Using the server's own public key/);
  });

  it('names the seq of an edited field and of a deleted tail in the database file; exit 1', () => {
    const db = new Database(join(dir, 'bella.db'));
    db.pragma('busy_timeout = 5000');
    try {
      const k3 = (db.prepare("SELECT seq FROM audit_log WHERE event = 'SecretCreated' AND resource = 'K3'").get() as { seq: number }).seq;
      db.prepare('UPDATE audit_log SET resource = ? WHERE seq = ?').run('K33', k3);
      const edited = admin.run(['audit', 'verify', '--public-key', join(dir, 'bella.pub'), '--checkpoint', join(dir, 'cp.txt')]);
      expect(edited.code).toBe(1);
      expect(edited.stdout).toContain(`FAIL  seq ${k3}  entry: differs from what leaf`);
      expect(edited.stderr).toContain(`the first at seq ${k3} (entry)`);
      // With an earlier proved export as the trusted copy, the edited field is named.
      const named = admin.run(['audit', 'verify', '--public-key', join(dir, 'bella.pub'), '--checkpoint', join(dir, 'cp.txt'), '--against', join(dir, 'a.json')]);
      expect(named.code).toBe(1);
      expect(named.stdout).toContain(`FAIL  seq ${k3}  resource: resource is "K33", was "K3" (per the proved export)`);
      db.prepare('UPDATE audit_log SET resource = ? WHERE seq = ?').run('K3', k3);

      const last = (db.prepare("SELECT max(seq) AS m FROM audit_log WHERE event = 'SecretCreated'").get() as { m: number }).m;
      const saved = db.prepare('SELECT * FROM audit_log WHERE seq = ?').get(last) as Record<string, unknown>;
      db.prepare('DELETE FROM audit_log WHERE seq = ?').run(last);
      const cut = admin.run(['audit', 'verify', '--public-key', join(dir, 'bella.pub'), '--checkpoint', join(dir, 'cp.txt')]);
      expect(cut.code).toBe(1);
      expect(cut.stdout).toContain(`FAIL  seq ${last}  entry: missing: the entry was deleted`);
      const cols = Object.keys(saved);
      db.prepare(`INSERT INTO audit_log (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => saved[c]));
      expect(admin.run(['audit', 'verify', '--public-key', join(dir, 'bella.pub'), '--checkpoint', join(dir, 'cp.txt')]).code).toBe(0);
    } finally {
      db.close();
    }
  });

  it('refuses bad flags before any request', () => {
    expect(admin.run(['audit', 'verify', '--from', 'abc']).code).toBe(2);
    expect(admin.run(['audit', 'verify', '--public-key', 'not-a-key']).code).toBe(2);
    expect(admin.run(['audit', 'verify', join(dir, 'missing.json'), '--public-key', join(dir, 'bella.pub')]).code).toBe(2);
    expect(admin.run(['audit', 'list', '--with-proof']).code).toBe(2);
  });
});
