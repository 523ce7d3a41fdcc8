import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { auditFor, createKey, rid, seedProject } from './helpers.js';

const BASE = '/api/v1/projects/sshp/environments/prod/ssh';
const dir = mkdtempSync(join(tmpdir(), 'bella-ssh-http-'));
/** A fresh key pair from OpenSSH's own ssh-keygen; returns the .pub line. */
function keygen(name: string, args: string[]): string {
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', `${name}@test`, '-f', join(dir, name), ...args]);
  return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
}
/** ssh-keygen -L of a certificate line. */
function inspect(cert: string): string {
  const f = join(dir, `c-${Math.random().toString(36).slice(2)}-cert.pub`);
  writeFileSync(f, `${cert}\n`);
  return execFileSync('ssh-keygen', ['-L', '-f', f]).toString();
}

const ED = keygen('ed', ['-t', 'ed25519']);
const RSA = keygen('rsa', ['-t', 'rsa', '-b', '3072']);
const ECDSA = keygen('ecdsa', ['-t', 'ecdsa', '-b', '384']);
const WEAK_RSA = keygen('weak', ['-t', 'rsa', '-b', '1024']);

for (const kind of await testStores()) {
  describe(`SSH certificate authority over HTTP (${kind})`, () => {
    let t: TestServer;
    let member: string;
    let consumer: string;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      await seedProject(t, t.adminToken, 'sshp', ['prod', 'staging']);
      member = await t.user('member@example.com');
      consumer = await t.user('consumer@example.com');
      expect((await t.req('PUT', '/api/v1/projects/sshp/members/member@example.com', { token: t.adminToken, body: { role: 'MEMBER' } })).statusCode).toBe(200);
      expect((await t.req('PUT', '/api/v1/projects/sshp/members/consumer@example.com', { token: t.adminToken, body: { role: 'CONSUMER' } })).statusCode).toBe(200);
      const r = await t.req('POST', `${BASE}/roles`, { token: t.adminToken, body: { name: 'deploy', allowedPrincipals: ['deploy', 'ops'], defaultExtensions: ['permit-pty'], allowedExtensions: ['permit-pty', 'permit-agent-forwarding'], maxTtl: '8h' } });
      expect(r.statusCode, r.body).toBe(201);
    });
    afterAll(async () => {
      await t.close();
      if (kind === (await testStores()).at(-1)) rmSync(dir, { recursive: true, force: true });
    });

    it('the CA is created once per environment, its public key a TrustedUserCAKeys line; creation is audited once', async () => {
      const a = await t.req('GET', `${BASE}/ca`, { token: member });
      const b = await t.req('GET', `${BASE}/ca`, { token: consumer });
      expect(a.statusCode).toBe(200);
      expect(a.json().publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+ bella-ca:sshp\/prod$/);
      expect(b.json()).toEqual(a.json());
      const other = await t.req('GET', '/api/v1/projects/sshp/environments/staging/ssh/ca', { token: member });
      expect(other.json().publicKey).not.toBe(a.json().publicKey);
      const created = await t.server.store.auditLog.query({ events: ['SshCaCreated'] }, 100);
      expect(created.map((e) => e.environmentSlug).sort()).toEqual(['prod', 'staging']);
    });

    it('a MEMBER gets an OpenSSH certificate for Ed25519, RSA and ECDSA keys; ssh-keygen -L reads back what was asked', async () => {
      const ca = (await t.req('GET', `${BASE}/ca`, { token: member })).json();
      for (const [key, certType] of [[ED, 'ssh-ed25519-cert-v01@openssh.com'], [RSA, 'ssh-rsa-cert-v01@openssh.com'], [ECDSA, 'ecdsa-sha2-nistp384-cert-v01@openssh.com']] as const) {
        const id = rid('ssh-sign');
        const r = await t.req('POST', `${BASE}/sign`, { token: member, headers: { 'x-request-id': id }, body: { publicKey: key, role: 'deploy', principals: ['deploy'], ttl: '1h', extensions: ['permit-pty', 'permit-agent-forwarding'] } });
        expect(r.statusCode, r.body).toBe(200);
        const c = r.json();
        expect(c.certificate.startsWith(`${certType} `)).toBe(true);
        expect(c.keyId).toBe(`bella:${id}:member@example.com`);
        const l = inspect(c.certificate);
        expect(l).toContain(`Type: ${certType} user certificate`);
        expect(l).toContain(`Signing CA: ED25519 ${ca.fingerprint}`);
        expect(l).toContain(`Key ID: "bella:${id}:member@example.com"`);
        expect(l).toContain(`Serial: ${c.serial}`);
        expect(l).toMatch(/Principals: \n\s+deploy\n/);
        expect(l).toMatch(/Extensions: \n\s+permit-agent-forwarding\n\s+permit-pty\n/);
        const [entry] = await auditFor(t, id);
        expect(entry).toMatchObject({ event: 'SshKeySigned', outcome: 'Success', resource: c.fingerprint, projectSlug: 'sshp', environmentSlug: 'prod' });
        expect(entry?.details).toMatchObject({ role: 'deploy', principals: ['deploy'], serial: c.serial, keyId: c.keyId, fingerprint: c.fingerprint, validBefore: c.validBefore });
        expect(Date.parse(c.validBefore) - Date.parse(c.validAfter)).toBe(3630_000);
      }
    });

    it('serials are unique under concurrent signing', async () => {
      const rs = await Promise.all(Array.from({ length: 12 }, () => t.req('POST', `${BASE}/sign`, { token: member, body: { publicKey: ED, role: 'deploy', principals: ['ops'] } })));
      const serials = rs.map((r) => r.json().serial as string);
      expect(new Set(serials).size).toBe(12);
    });

    it.each([
      ['an unknown role', { role: 'nope', principals: ['deploy'] }, 403, 'ssh_unknown_role'],
      ['a principal the role does not allow', { role: 'deploy', principals: ['root'] }, 403, 'ssh_principal_not_allowed'],
      ['no principal when the role allows several', { role: 'deploy' }, 400, 'ssh_principal_not_allowed'],
      ['a ttl over the maximum', { role: 'deploy', principals: ['deploy'], ttl: '9h' }, 403, 'ssh_ttl_exceeds_max'],
      ['an extension the role does not allow', { role: 'deploy', principals: ['deploy'], extensions: ['permit-port-forwarding'] }, 403, 'ssh_extension_not_allowed'],
      ['a 1024-bit RSA key', { role: 'deploy', principals: ['deploy'], publicKey: WEAK_RSA }, 400, 'ssh_weak_key'],
      ['a DSA key', { role: 'deploy', principals: ['deploy'], publicKey: `ssh-dss ${Buffer.from('x').toString('base64')}` }, 400, 'ssh_weak_key'],
      ['garbage instead of a key', { role: 'deploy', principals: ['deploy'], publicKey: 'ssh-ed25519 AAAAnotakey' }, 400, 'ssh_malformed_key'],
      ['a key whose data names another type', { role: 'deploy', principals: ['deploy'], publicKey: `ssh-rsa ${ED.split(' ')[1]}` }, 400, 'ssh_malformed_key'],
      ['a private key pasted by mistake', { role: 'deploy', principals: ['deploy'], publicKey: '-----BEGIN OPENSSH PRIVATE KEY-----' }, 400, 'ssh_malformed_key'],
    ])('%s is refused and recorded as a Denied SshKeySigned with its reason', async (_label, body, status, reason) => {
      const id = rid('ssh-refused');
      const r = await t.req('POST', `${BASE}/sign`, { token: member, headers: { 'x-request-id': id }, body: { publicKey: ED, ...body } });
      expect(r.statusCode, r.body).toBe(status);
      expect(r.body).not.toContain('BEGIN');
      expect(await auditFor(t, id)).toMatchObject([{ event: 'SshKeySigned', outcome: 'Denied', reason }]);
    });

    it('a CONSUMER may not sign, a MEMBER may not manage roles; both refusals are audited', async () => {
      const id = rid('ssh-consumer');
      const r = await t.req('POST', `${BASE}/sign`, { token: consumer, headers: { 'x-request-id': id }, body: { publicKey: ED, role: 'deploy', principals: ['deploy'] } });
      expect(r.statusCode).toBe(403);
      expect(await auditFor(t, id)).toMatchObject([{ event: 'SshKeySigned', outcome: 'Denied', reason: 'insufficient_role' }]);
      const id2 = rid('ssh-member-role');
      const r2 = await t.req('POST', `${BASE}/roles`, { token: member, headers: { 'x-request-id': id2 }, body: { name: 'mine', allowedPrincipals: ['root'] } });
      expect(r2.statusCode).toBe(403);
      expect(await auditFor(t, id2)).toMatchObject([{ event: 'SshRoleCreated', outcome: 'Denied', reason: 'insufficient_role' }]);
    });

    it('a MEMBER API key signs in its own environment only', async () => {
      const k = await createKey(t, t.adminToken, 'sshp', 'staging', 'MEMBER');
      const here = await t.req('POST', '/api/v1/projects/sshp/environments/staging/ssh/roles', { token: t.adminToken, body: { name: 'ci', allowedPrincipals: ['ci'] } });
      expect(here.statusCode).toBe(201);
      const ok = await t.req('POST', '/api/v1/projects/sshp/environments/staging/ssh/sign', { token: k.key, body: { publicKey: ED, role: 'ci' } });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().principals).toEqual(['ci']);
      expect(ok.json().keyId).toBe(`bella:${ok.headers['x-request-id']}:ApiKey:${k.id}`);
      const elsewhere = await t.req('POST', `${BASE}/sign`, { token: k.key, body: { publicKey: ED, role: 'deploy', principals: ['deploy'] } });
      expect(elsewhere.statusCode).toBe(403);
    });

    it('role settings are checked as a whole and every problem named; duplicates conflict; delete works once', async () => {
      const bad = await t.req('POST', `${BASE}/roles`, { token: t.adminToken, body: { name: 'bad', allowedPrincipals: ['ok', 'no,comma'], defaultExtensions: ['permit-pty', 'permit-everything'], criticalOptions: { 'force-command': '', nonsense: 'x' }, defaultTtl: '9h', maxTtl: '1h' } });
      expect(bad.statusCode).toBe(400);
      for (const part of ['"no,comma"', '"permit-everything"', 'force-command needs a value', '"nonsense"', 'must not exceed maxTtl']) expect(bad.json().error.message).toContain(part);
      const empty = await t.req('POST', `${BASE}/roles`, { token: t.adminToken, body: { name: 'empty' } });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.message).toContain('allowEmptyPrincipals');
      expect((await t.req('POST', `${BASE}/roles`, { token: t.adminToken, body: { name: 'deploy', allowedPrincipals: ['x'] } })).statusCode).toBe(409);
      expect((await t.req('POST', `${BASE}/roles`, { token: t.adminToken, body: { name: 'gone', allowedPrincipals: ['x'] } })).statusCode).toBe(201);
      expect((await t.req('DELETE', `${BASE}/roles/gone`, { token: t.adminToken })).statusCode).toBe(204);
      expect((await t.req('DELETE', `${BASE}/roles/gone`, { token: t.adminToken })).statusCode).toBe(404);
      const names = (await t.req('GET', `${BASE}/roles`, { token: member })).json().roles.map((r: { name: string }) => r.name);
      expect(names).toEqual(['deploy']);
    });

    it('a role that allows empty principals signs a certificate valid for any account only when asked with none', async () => {
      expect((await t.req('POST', `${BASE}/roles`, { token: t.adminToken, body: { name: 'any', allowEmptyPrincipals: true } })).statusCode).toBe(201);
      const r = await t.req('POST', `${BASE}/sign`, { token: member, body: { publicKey: ED, role: 'any' } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().principals).toEqual([]);
      expect(inspect(r.json().certificate)).toMatch(/Principals: \(none\)/);
    });
  });
}
