import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSearch, type Query } from '../../src/cli/api-client.js';
import { verifyLive } from '../../src/cli/audit-verify.js';
import { writePack } from '../../src/cli/commands/reports.js';
import { verifyPackDir } from '../../src/cli/report-verify.js';
import type { AccessEntry, AuditEntry } from '../../src/contract/entries.js';
import type { ReportManifest, ReportPack } from '../../src/contract/reports.js';
import { parseVerifierKey } from '../../src/integrity/note.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const LEAVER = 'leaver@example.com';
const base = '/api/v1/projects/shop/environments/prod';

describe('GDPR subject access and erasure', () => {
  let t: TestServer;
  let leaverId: string;
  let auditor: string;
  const dirs: string[] = [];
  const pack = async (token: string, email: string) => {
    const r = await t.req('POST', '/api/v1/reports/subject', { token, body: { email } });
    expect(r.statusCode, r.body).toBe(200);
    const d = join(mkdtempSync(join(tmpdir(), 'bella-subject-')), 'pack');
    dirs.push(d);
    writePack(d, r.json() as ReportPack);
    return { dir: d, manifest: JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as ReportManifest };
  };
  const csvRows = (dir: string, f: string) => parse(readFileSync(join(dir, f)), { columns: true }) as Record<string, string>[];
  const exportOf = async <E>(log: 'audit' | 'access'): Promise<E[]> => (await t.req('GET', `/api/v1/${log}-logs/export?format=json`, { token: t.adminToken })).json() as E[];
  /** `bella audit verify` run in-process against this server (the live verifier over the whole log). */
  const verifyWholeLog = async () => {
    const client = { get: async <T>(path: string, q?: Query) => (await t.req('GET', `${path}${buildSearch(q)}`, { token: t.adminToken })).json() as T };
    const key = parseVerifierKey((await client.get<{ publicKey: string }>('/api/v1/audit-log/public-key')).publicKey);
    await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: t.adminToken });
    return verifyLive(client, { key, checkpointNote: null });
  };

  beforeAll(async () => {
    t = await startTestServer({});
    const leaver = await t.user(LEAVER, 'Lee Leaver');
    leaverId = (await t.req('GET', '/api/v1/auth/whoami', { token: leaver })).json().actor.id;
    auditor = await t.user('audra@example.com', 'Audra');
    for (const slug of ['shop', 'other']) {
      await t.req('POST', '/api/v1/projects', { token: t.adminToken, body: { slug, name: slug } });
      await t.req('POST', `/api/v1/projects/${slug}/environments`, { token: t.adminToken, body: { slug: 'prod', name: 'Prod' } });
      await t.req('PUT', `/api/v1/projects/${slug}/members/${LEAVER}`, { token: t.adminToken, body: { role: 'MEMBER' } });
      await t.req('PUT', `/api/v1/projects/${slug}/environments/prod/secrets/K`, { token: leaver, body: { value: 'v' } });
    }
    await t.req('PUT', '/api/v1/projects/shop/members/audra@example.com', { token: t.adminToken, body: { role: 'AUDITOR' } });
    for (let i = 0; i < 3; i++) await t.req('GET', `${base}/secrets/K`, { token: leaver, headers: { 'x-forwarded-for': '203.0.113.77' } });
    await t.req('GET', `${base}/secrets/K`, { token: auditor });
    await t.req('POST', '/api/v1/auth/login', { body: { email: LEAVER, password: 'not-the-password-1' } });
  });
  afterAll(async () => {
    await t.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('an admin gets everything both logs hold about the person, as actor and as target, in a signed pack whose counts match the exports', async () => {
    expect(leaverId).toMatch(/./);
    const { dir, manifest } = await pack(t.adminToken, LEAVER);
    expect(verifyPackDir(dir)).toMatchObject({ authentic: true });
    expect(manifest).toMatchObject({ kind: 'subject-access', verification: { ok: true } });
    const audit = await exportOf<AuditEntry>('audit');
    const mine = (e: AuditEntry) => e.actor.email === LEAVER || (e.actor.type === 'User' && e.actor.id === leaverId);
    const asActor = audit.filter(mine);
    const asTarget = audit.filter((e) => !mine(e) && e.resource === LEAVER);
    expect(asActor.length).toBeGreaterThan(5);
    expect(asTarget.length).toBeGreaterThanOrEqual(3); // UserCreated, two MemberAdded
    expect(csvRows(dir, 'audit-as-actor.csv').map((r) => Number(r.seq))).toEqual(asActor.map((e) => e.seq).sort((a, b) => a - b));
    expect(csvRows(dir, 'audit-as-target.csv').map((r) => Number(r.seq))).toEqual(asTarget.map((e) => e.seq).sort((a, b) => a - b));
    const access = (await exportOf<AccessEntry>('access')).filter((a) => a.actor.email === LEAVER || a.actor.id === leaverId);
    expect(csvRows(dir, 'access-log.csv')).toHaveLength(access.length);
    expect(manifest.counts).toEqual({ auditAsActor: asActor.length, auditAsTarget: asTarget.length, accessLog: access.length });
    // The report's own entry names the person by pseudonym only (an email there could never be erased).
    const gen = (await t.req('GET', '/api/v1/audit-logs?event=ReportGenerated', { token: t.adminToken })).json().entries[0] as AuditEntry;
    expect(JSON.stringify(gen)).not.toContain(LEAVER);
    expect(gen.details.subject).toMatch(/^erased:[0-9a-f]{16}$/);
  });

  it("an AUDITOR's subject report holds only the projects they audit; a caller who reads no log is refused", async () => {
    const { dir } = await pack(auditor, LEAVER);
    const rows = csvRows(dir, 'audit-as-actor.csv');
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.projectSlug))).toEqual(new Set(['shop']));
    const nobody = await t.user('nobody@example.com');
    expect((await t.req('POST', '/api/v1/reports/subject', { token: nobody, body: { email: LEAVER } })).statusCode).toBe(403);
    expect((await t.req('POST', '/api/v1/reports/subject', { token: t.adminToken, body: { email: 'not an email' } })).statusCode).toBe(400);
  });

  it('erasure: refused while the person holds memberships; then their email, name and IP are replaced by a keyed pseudonym, and the log still verifies', async () => {
    const before = await verifyWholeLog();
    expect(before.problems).toEqual([]);
    const early = await t.req('POST', '/api/v1/admin/subjects/erase', { token: t.adminToken, body: { email: LEAVER } });
    expect(early.statusCode).toBe(409);
    expect((await t.req('POST', '/api/v1/admin/subjects/erase', { token: auditor, body: { email: LEAVER } })).statusCode).toBe(403);
    for (const slug of ['shop', 'other']) expect((await t.req('DELETE', `/api/v1/projects/${slug}/members/${LEAVER}`, { token: t.adminToken })).statusCode).toBe(204);
    const r = await t.req('POST', '/api/v1/admin/subjects/erase', { token: t.adminToken, body: { email: LEAVER } });
    expect(r.statusCode, r.body).toBe(200);
    const { pseudonym, auditEntries, accessEntries, account } = r.json();
    expect(pseudonym).toMatch(/^erased:[0-9a-f]{16}$/);
    expect(auditEntries).toBeGreaterThan(5);
    expect(accessEntries).toBeGreaterThan(5);
    expect(account).toBe(true);
    const audit = await exportOf<AuditEntry>('audit');
    const theirs = audit.filter((e) => e.actor.type === 'User' && e.actor.id === leaverId);
    expect(theirs.length).toBe(auditEntries);
    for (const e of theirs) expect(e.actor).toMatchObject({ email: null, name: pseudonym, ip: null });
    const access = (await exportOf<AccessEntry>('access')).filter((a) => a.actor.id === leaverId);
    for (const a of access) expect(a.actor).toMatchObject({ email: null, name: pseudonym, ip: null });
    expect(JSON.stringify(access)).not.toContain('203.0.113.77');
    // The trade-off (docs/compliance.md): the email as the target of committed entries (resource) stays.
    expect(audit.filter((e) => e.resource === LEAVER).length).toBeGreaterThan(0);
    // The erased account can no longer log in, and is listed by its pseudonym.
    expect((await t.req('POST', '/api/v1/auth/login', { body: { email: LEAVER, password: `pw-${LEAVER}-long-enough` } })).statusCode).toBe(401);
    expect(JSON.stringify((await t.req('GET', '/api/v1/users', { token: t.adminToken })).json())).toContain(pseudonym);
    // bella audit verify still passes: every leaf, checkpoint and proof is intact.
    const after = await verifyWholeLog();
    expect(after.problems).toEqual([]);
    expect(after.verified).toBeGreaterThan(before.verified);
    // And an inclusion proof of an erased entry still verifies.
    const proof = await t.req('GET', `/api/v1/audit-logs/${(theirs[0] as AuditEntry).id}/proof`, { token: t.adminToken });
    expect(proof.statusCode).toBe(200);
    const erased = (await t.req('GET', '/api/v1/audit-logs?event=SubjectErased', { token: t.adminToken })).json().entries[0] as AuditEntry;
    expect(erased).toMatchObject({ resource: pseudonym, details: { pseudonym, auditEntries, accessEntries, account: true } });
    expect(JSON.stringify(erased)).not.toContain(LEAVER);
  });

  it('an edited name on an erased entry is still caught: only the pseudonym form is accepted without a salt', async () => {
    const Database = (await import('better-sqlite3')).default;
    const audit = await exportOf<AuditEntry>('audit');
    const victim = audit.find((e) => e.actor.type === 'User' && e.actor.id === leaverId) as AuditEntry;
    const db = new Database(join(t.dataDir, 'bella.db'));
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('UPDATE audit_log SET actor_name = ? WHERE seq = ?').run('Lee Leaver', victim.seq);
    } finally {
      db.close();
    }
    const r = await verifyWholeLog();
    expect(r.problems).toContainEqual(expect.objectContaining({ seq: victim.seq, field: 'actor.email/actor.name/actor.ip' }));
  });
});
