import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser, startServer, type TestServer } from './cli-harness.js';

/**
 * The real `bella` against a real server: an evidence pack written to a directory and checked by
 * `bella audit report verify` (exit 0, then 1 after one changed byte), an access review with a
 * revocation, a subject-access pack and an erasure after which `bella audit verify` still passes.
 */
describe('bella audit report | subject | erase-subject, bella access-review', () => {
  let server: TestServer;
  let admin: CliUser;
  let dir: string;

  beforeAll(async () => {
    server = await startServer();
    dir = server.dataDir;
    admin = new CliUser(server.url);
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    admin.ok(['projects', 'create', 'rep', '--name', 'Reports']);
    admin.ok(['environments', 'create', 'prod', '-p', 'rep']);
    admin.ok(['users', 'create', '--email', 'gone@example.com', '--password-stdin'], { input: 'gone-password-1234\n' });
    admin.ok(['members', 'add', '-p', 'rep', '--user', 'gone@example.com', '--role', 'CONSUMER']);
    admin.ok(['secrets', 'set', 'K', 'v', '-p', 'rep', '-e', 'prod']);
    writeFileSync(join(dir, 'bella.pub'), admin.ok(['audit', 'public-key']));
  }, 120_000);
  afterAll(() => server?.stop());

  it('writes a SOC 2 pack, verifies it, and fails verify after one changed byte', () => {
    const out = join(dir, 'soc2');
    const listing = admin.ok(['audit', 'report', '--framework', 'soc2', '--since', '2020-01-01', '--until', '2100-01-01', '--out', out]);
    expect(listing).toMatch(/ summary\.pdf\n/);
    expect(listing).toMatch(/ manifest\.sig\n$/);
    expect(admin.ok(['audit', 'report', 'verify', out, '--public-key', join(dir, 'bella.pub')])).toMatch(/^OK: 12 files and the manifest match the signature/);
    const csv = join(out, '01-access-control-changes.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('CONSUMER', 'OWNER'));
    const bad = admin.run(['audit', 'report', 'verify', out, '--public-key', join(dir, 'bella.pub')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('01-access-control-changes.csv: changed');
    expect(admin.run(['audit', 'report', '--framework', 'pci', '--since', '2020-01-01', '--until', '2021-01-01', '--out', join(dir, 'x')]).code).toBe(2);
    expect(admin.run(['audit', 'report', '--framework', 'soc2', '--since', '2020-01-01', '--until', '2021-01-01', '--out', out]).code).toBe(2); // not empty
    expect(admin.ok(['audit', 'report', 'list'])).toMatch(/soc2/);
  });

  it('runs an access review with one revocation, then a subject-access pack and an erasure the log still verifies after', () => {
    const started = admin.ok(['access-review', 'start', '-p', 'rep', '-o', 'json']);
    const review = JSON.parse(started) as { id: string; grants: { n: number; subject: string }[] };
    const g = review.grants.find((x) => x.subject === 'gone@example.com');
    expect(g).toBeDefined();
    // piped, the listing prints whole ids (a user copies one into `decide`); at COLUMNS=60 it fits the width
    expect(admin.ok(['access-review', 'list', '-p', 'rep'])).toContain(review.id);
    expect(admin.ok(['access-review', 'list', '-p', 'rep'], { env: { COLUMNS: '60' } }).split('\n').every((l) => [...l].length <= 60)).toBe(true);
    const decided = admin.ok(['access-review', 'decide', review.id, '-p', 'rep', '--grant', String(g?.n), '--decision', 'revoke', '--rationale', 'left the company']);
    expect(decided).toContain('gone@example.com (CONSUMER) → revoke (revoked)');
    expect(admin.ok(['members', 'list', '-p', 'rep'])).not.toContain('gone@example.com');
    const sar = join(dir, 'sar');
    admin.ok(['audit', 'subject', 'gone@example.com', '--out', sar]);
    expect(admin.ok(['audit', 'report', 'verify', sar, '--public-key', join(dir, 'bella.pub')])).toMatch(/^OK: 5 files/);
    expect(admin.run(['audit', 'erase-subject', 'gone@example.com']).code).toBe(2);
    expect(admin.ok(['audit', 'erase-subject', 'gone@example.com', '--yes'])).toMatch(/^Erased gone@example\.com: now erased:[0-9a-f]{16} in \d+ Audit Log/);
    expect(admin.ok(['audit', 'verify', '--public-key', join(dir, 'bella.pub')])).toMatch(/^OK {2}the live Audit Log/m);
  });
});
