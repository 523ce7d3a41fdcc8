import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import type { ReportManifest, ReportPack } from '../../src/contract/reports.js';
import { writePack } from '../../src/cli/commands/reports.js';
import { verifyPackDir } from '../../src/cli/report-verify.js';
import { parseVerifierKey, signerFromSeed, verifierKeyString } from '../../src/integrity/note.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const MARKER = 'zz-report-marker-7f3a91-secret';
const base = '/api/v1/projects/shop/environments/prod';

/** The text of a PDF as Debian's pdftotext reads it (layout kept, so a table row is one line). */
const pdfText = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });

describe('evidence packs', () => {
  let t: TestServer;
  let auditor: string;
  let since: string;
  let until: string;
  const dirs: string[] = [];
  const outDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'bella-pack-'));
    dirs.push(d);
    return join(d, 'pack');
  };
  const generate = async (token: string, body: Record<string, unknown>) => {
    const r = await t.req('POST', '/api/v1/reports', { token, body });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as ReportPack;
  };
  /** Every entry of the period from the full export, read by the admin: the independent count. */
  const exported = async (project?: string): Promise<AuditEntry[]> => {
    const r = await t.req('GET', '/api/v1/audit-logs/export?format=json', { token: t.adminToken });
    expect(r.statusCode).toBe(200);
    return (r.json() as AuditEntry[]).filter((e) => e.timestamp >= since && e.timestamp < until && (!project || e.projectSlug === project));
  };

  beforeAll(async () => {
    t = await startTestServer({});
    since = new Date(Date.now() - 1000).toISOString();
    const bob = await t.user('bob@example.com', 'Bob');
    auditor = await t.user('audra@example.com', 'Audra');
    await t.user('carol@example.com', 'Carol');
    await t.req('POST', '/api/v1/projects', { token: t.adminToken, body: { slug: 'shop', name: 'Shop' } });
    await t.req('POST', '/api/v1/projects/shop/environments', { token: t.adminToken, body: { slug: 'prod', name: 'Prod' } });
    await t.req('PUT', '/api/v1/projects/shop/members/bob@example.com', { token: t.adminToken, body: { role: 'OWNER' } });
    await t.req('PUT', '/api/v1/projects/shop/members/audra@example.com', { token: bob, body: { role: 'AUDITOR' } });
    await t.req('PUT', '/api/v1/projects/shop/members/carol@example.com', { token: bob, body: { role: 'MEMBER' } });
    await t.req('PUT', '/api/v1/projects/shop/members/carol@example.com', { token: bob, body: { role: 'CONSUMER' } });
    for (const k of ['DB_PASSWORD', 'API_TOKEN']) await t.req('PUT', `${base}/secrets/${k}`, { token: bob, body: { value: MARKER } });
    for (let i = 0; i < 3; i++) await t.req('GET', `${base}/secrets/DB_PASSWORD`, { token: bob });
    // Denied: the auditor may not read a value; a failed login.
    expect((await t.req('GET', `${base}/secrets/DB_PASSWORD`, { token: auditor })).statusCode).toBe(403);
    expect((await t.req('GET', `${base}/secrets/API_TOKEN`, { token: auditor })).statusCode).toBe(403);
    await t.req('POST', '/api/v1/auth/login', { body: { email: 'bob@example.com', password: 'wrong-password-123' } });
    await t.req('POST', `${base}/api-keys`, { token: bob, body: { name: 'ci', role: 'CONSUMER' } });
    await t.req('PUT', '/api/v1/admin/retention', { token: t.adminToken, body: { auditDays: 2200 } });
    await new Promise((r) => setTimeout(r, 5));
    until = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
  });
  afterAll(async () => {
    await t.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a SOC 2 pack: every count in the PDF and the CSVs matches an independent count from the full export', async () => {
    const pack = await generate(t.adminToken, { framework: 'soc2', since, until });
    const dir = outDir();
    writePack(dir, pack);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['summary.pdf', 'summary.html', 'manifest.json', 'manifest.sig', '01-access-control-changes.csv', 'api-keys.csv']));
    const all = await exported();
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ReportManifest;
    expect(m.counts.entries).toBe(all.length);
    expect(m.verification.ok).toBe(true);
    expect(m.retention.auditDaysAtEnd).toBe(2200);
    expect(m.retention.auditDaysAtStart).toBe(365);
    // The PDF's activity table, row by row, against counts made here from the export.
    const text = pdfText(join(dir, 'summary.pdf'));
    expect(text).toMatch(new RegExp(`Entries in period\\s+${all.length}\\n`));
    const expected = new Map<string, [number, number]>();
    for (const e of all) {
      const c = expected.get(e.event) ?? [0, 0];
      c[e.outcome === 'Denied' ? 1 : 0]++;
      expected.set(e.event, c);
    }
    const activity = text.slice(text.indexOf('Activity in the period'), text.indexOf('1. Access-control changes'));
    const rows = [...activity.matchAll(/^\s*([A-Za-z]+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/gm)].map((x) => [x[1], Number(x[2]), Number(x[3]), Number(x[4])]);
    expect(rows.length).toBe(expected.size);
    for (const [ev, s, d, tot] of rows) {
      expect([s, d], String(ev)).toEqual(expected.get(ev as string));
      expect(tot).toBe((s as number) + (d as number));
    }
    // Each section's CSV and its "Entries: N" line, against predicates written here from the wording.
    const independent: Record<string, (e: AuditEntry) => boolean> = {
      '01-access-control-changes': (e) => ['MemberAdded', 'MemberRemoved', 'MemberRoleChanged', 'RestrictionChanged', 'AccessReviewDecided'].includes(e.event),
      '04-denied-and-failed-logins': (e) => e.outcome === 'Denied' || e.event === 'UserLoginFailed' || e.event === 'TrustTokenRejected',
      '03-credential-lifecycle': (e) => /^(ApiKey|Lease|TrustDomain)/.test(e.event),
    };
    for (const [file, pick] of Object.entries(independent)) {
      const want = all.filter(pick);
      const csv = parse(readFileSync(join(dir, `${file}.csv`)), { columns: true }) as Record<string, string>[];
      expect(csv.length, file).toBe(want.length);
      expect(csv.map((r) => Number(r.seq)).sort()).toEqual(want.map((e) => e.seq).sort());
      expect(Object.keys(csv[0] ?? {})).toEqual(expect.arrayContaining(['timestamp', 'event', 'actor.type', 'actor.email', 'outcome', 'requestId', 'reason', 'details']));
      const title = { '01-access-control-changes': '1. Access-control changes', '04-denied-and-failed-logins': '4. Denied attempts and failed logins', '03-credential-lifecycle': '3. API key, lease and trust-domain lifecycles' }[file] as string;
      const section = text.slice(text.indexOf(title));
      const denied = want.filter((e) => e.outcome === 'Denied').length;
      expect(section).toMatch(new RegExp(`Entries: ${want.length} \\(Success ${want.length - denied}, Denied ${denied}\\)`));
    }
    // The denied reads are there, with their reason, grouped.
    const grouped = parse(readFileSync(join(dir, 'denied-grouped.csv')), { columns: true }) as Record<string, string>[];
    expect(grouped.find((g) => g.event === 'SecretRead' && g.actor === 'audra@example.com')?.count).toBe('2');
    // The same content as HTML.
    const html = readFileSync(join(dir, 'summary.html'), 'utf8');
    expect(html).toContain(`<th>Entries in period</th><td>${all.length}</td>`);
    // The pack is signed with the instance's log key.
    const key = parseVerifierKey((await t.req('GET', '/api/v1/audit-log/public-key', { token: t.adminToken })).json().publicKey);
    expect(verifyPackDir(dir, key)).toMatchObject({ authentic: true, problems: [] });
    // Producing it was audited.
    const gen = (await t.req('GET', '/api/v1/audit-logs?event=ReportGenerated', { token: t.adminToken })).json().entries[0];
    expect(gen).toMatchObject({ event: 'ReportGenerated', outcome: 'Success', details: { reportId: pack.id, framework: 'soc2', verificationOk: true, entries: all.length } });
    expect(gen.details.manifestSha256).toBe(pack.files.find((f) => f.name === 'manifest.json')?.sha256);
  });

  it('a changed byte in any file or in the manifest, an added or a removed file, fails report verify', async () => {
    const pack = await generate(t.adminToken, { framework: 'iso27001', since, until });
    const key = parseVerifierKey((await t.req('GET', '/api/v1/audit-log/public-key', { token: t.adminToken })).json().publicKey);
    for (const f of pack.files) {
      const dir = outDir();
      writePack(dir, pack);
      const p = join(dir, f.name);
      const b = readFileSync(p);
      const i = Math.floor(b.length / 2);
      b[i] = (b[i] as number) ^ 0x01;
      writeFileSync(p, b);
      const r = verifyPackDir(dir, key);
      expect(r.authentic, f.name).toBe(false);
      expect(r.problems.join('\n')).toMatch(f.name.startsWith('manifest.') ? /manifest\.sig/ : new RegExp(`${f.name.replace('.', '\\.')}: changed`));
    }
    const added = outDir();
    writePack(added, pack);
    writeFileSync(join(added, 'extra.csv'), 'x');
    expect(verifyPackDir(added, key).problems).toEqual(['extra.csv: not listed in the manifest (added after signing)']);
    const removed = outDir();
    writePack(removed, pack);
    rmSync(join(removed, 'summary.html'));
    expect(verifyPackDir(removed, key).problems).toEqual(['summary.html: missing']);
    // Another key: the signature is not by it.
    const o = signerFromSeed('bella.local/audit-log', Buffer.alloc(32, 7));
    const other = parseVerifierKey(verifierKeyString(o.name, o.publicKey));
    const d = outDir();
    writePack(d, pack);
    expect(verifyPackDir(d, other).authentic).toBe(false);
  });

  it("an AUDITOR produces a project's pack that holds no secret value (the marker test), and may not report on the whole instance", async () => {
    const pack = await generate(auditor, { framework: 'hipaa', since, until, project: 'shop' });
    const dir = outDir();
    writePack(dir, pack);
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(MARKER), f).toBe(false);
    expect(pdfText(join(dir, 'summary.pdf'))).not.toContain(MARKER);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ReportManifest;
    expect(m.counts.entries).toBe((await exported('shop')).length);
    expect(m.filters).toEqual({ project: 'shop' });
    const whole = await t.req('POST', '/api/v1/reports', { token: auditor, body: { framework: 'hipaa', since, until } });
    expect(whole.statusCode).toBe(403);
    const denied = (await t.req('GET', '/api/v1/audit-logs?event=ReportGenerated&outcome=Denied', { token: t.adminToken })).json().entries[0];
    expect(denied).toMatchObject({ actor: { email: 'audra@example.com' }, outcome: 'Denied', reason: 'admin_required' });
    const listed = (await t.req('GET', '/api/v1/reports?project=shop', { token: auditor })).json().reports;
    expect(listed[0]).toMatchObject({ id: pack.id, framework: 'hipaa', project: 'shop', verificationOk: true, by: 'audra@example.com' });
  });

  it('hostile input is a clear 400, never a 500', async () => {
    for (const body of [
      { framework: 'pci', since, until },
      { framework: 'soc2', since: 'yesterday-ish', until },
      { framework: 'soc2', since: until, until: since },
      { framework: 'soc2', since: 'x'.repeat(100_000), until },
      { framework: 'soc2', since, until, project: 'Bad\u202eSlug' },
      { framework: 'soc2', since, until, extra: 1 },
    ]) {
      const r = await t.req('POST', '/api/v1/reports', { token: t.adminToken, body });
      expect(r.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });

  it('HIPAA: the Audit Log may be kept six years, and the report says what retention was in force', async () => {
    const r = await t.req('PUT', '/api/v1/admin/retention', { token: t.adminToken, body: { auditDays: 6 * 366 } });
    expect(r.statusCode).toBe(200);
    expect(r.json().auditDays).toBe(2196);
    const pack = await generate(t.adminToken, { framework: 'hipaa', since, until: new Date(Date.now() + 60_000).toISOString() });
    const m = JSON.parse(Buffer.from(pack.files.find((f) => f.name === 'manifest.json')?.content ?? '', 'base64').toString('utf8')) as ReportManifest;
    expect(m.retention).toMatchObject({ auditDaysAtStart: 365, auditDaysAtEnd: 2196, changes: 2 });
    const dir = outDir();
    writePack(dir, pack);
    // Retention changed mid-period from 365 days: the six years were not kept throughout, and the PDF says so.
    expect(pdfText(join(dir, 'summary.pdf'))).toMatch(/HIPAA six years\s+NOT met/);
  });

  it('a report over a tampered period says so: in the manifest, the PDF, and report verify', async () => {
    const victim = (await exported()).find((e) => e.event === 'SecretRead' && e.outcome === 'Success') as AuditEntry;
    const db = new Database(join(t.dataDir, 'bella.db'));
    try {
      db.pragma('busy_timeout = 5000');
      db.exec(`UPDATE audit_log SET resource = 'SOMETHING_ELSE' WHERE seq = ${victim.seq}`);
    } finally {
      db.close();
    }
    const pack = await generate(t.adminToken, { framework: 'gdpr', since, until });
    const dir = outDir();
    writePack(dir, pack);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ReportManifest;
    expect(m.verification.ok).toBe(false);
    expect(m.verification.problems).toContainEqual(expect.objectContaining({ seq: victim.seq, field: 'entry' }));
    expect(pdfText(join(dir, 'summary.pdf'))).toMatch(/Log integrity\s+FAILED/);
    const r = verifyPackDir(dir);
    expect(r.authentic).toBe(true);
    expect(r.manifest?.verification.ok).toBe(false);
  });
});
