import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import type { StreamView } from '../../src/contract/streams.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { rsyslogAvailable, startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { until } from '../helpers/siem-receivers.js';

const available = rsyslogAvailable();
if (!available && process.env.CI === 'true') throw new Error('rsyslogd with rsyslog-gnutls is required in CI (.ci/run installs it)');

describe.skipIf(!available)('syslog sink against a real rsyslog (RFC 5424, octet counting)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function server(): Promise<TestServer> {
    const t = await startTestServer({ env: { BELLA_STREAM_POLL_MS: '100', BELLA_STREAM_TIMEOUT_MS: '3000' } });
    cleanup.push(() => t.close());
    expect((await t.req('POST', '/api/v1/projects', { token: t.adminToken, body: { slug: 'sys-p', name: 'S' } })).statusCode).toBe(201);
    expect((await t.req('POST', '/api/v1/projects/sys-p/environments', { token: t.adminToken, body: { slug: 'prod', name: 'P' } })).statusCode).toBe(201);
    return t;
  }

  async function deliver(t: TestServer, rs: Rsyslog, name: string, sinkExtra: Record<string, unknown>, format: string): Promise<{ msgs: Record<string, string>[]; entries: AuditEntry[] }> {
    const before = await t.server.store.auditLog.lastSeq();
    const res = await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name, sink: { type: 'syslog', host: '127.0.0.1', port: rs.port, ...sinkExtra }, format, heartbeatSeconds: 0 } });
    expect(res.statusCode, res.body).toBe(201);
    // A resource with the characters RFC 5424 escapes in structured data, and a Denied entry.
    expect((await t.req('PUT', '/api/v1/projects/sys-p/environments/prod/secrets/A_KEY', { token: t.adminToken, body: { value: 'v' } })).statusCode).toBeLessThan(300);
    expect((await t.req('GET', '/api/v1/projects/sys-p/environments/prod/secrets/A_KEY', { token: 'bst_wrong' })).statusCode).toBe(401);
    const through = await t.server.store.auditLog.lastSeq();
    await until('cursor at the end', async () => (await t.req('GET', `/api/v1/audit-streams/${name}`, { token: t.adminToken })).json<StreamView>().health.cursor >= through);
    const entries: AuditEntry[] = [];
    for await (const e of t.server.store.auditLog.range(before, through)) entries.push(e);
    await until('rsyslog wrote them', () => rs.messages().length >= entries.length);
    return { msgs: rs.messages(), entries };
  }

  it('plain TCP, JSON: each entry arrives parsed (PRI authpriv notice/warning, MSGID = event, structured data with seq and fields), in order', async () => {
    const rs = await startRsyslog({ tls: false });
    cleanup.push(() => rs.stop());
    const t = await server();
    const { msgs, entries } = await deliver(t, rs, 'syslog-plain', { appName: 'bella-test' }, 'json');
    expect(msgs).toHaveLength(entries.length);
    msgs.forEach((m, i) => {
      const e = entries[i] as AuditEntry;
      expect(m['app-name']).toBe('bella-test');
      expect(m.msgid).toBe(e.event);
      expect(m.pri).toBe(e.outcome === 'Denied' ? '84' : '85');
      expect(m['structured-data']).toContain(`[bella@32473 seq="${e.seq}" event="${e.event}" outcome="${e.outcome}"`);
      const body = JSON.parse(m.msg?.replace(/^\uFEFF/, '') ?? '') as AuditEntry;
      expect(body).toEqual(e);
      expect(new Date(m.timereported as string).toISOString()).toBe(e.timestamp);
    });
    expect(entries.some((e) => e.outcome === 'Denied')).toBe(true);
  });

  it('TLS (RFC 5425) with the server certificate trusted, CEF: the CEF line arrives as the message', async () => {
    const rs = await startRsyslog({ tls: true });
    cleanup.push(() => rs.stop());
    const t = await server();
    const { msgs, entries } = await deliver(t, rs, 'syslog-tls', { tls: true, caCert: rs.caPem, serverName: 'localhost' }, 'cef');
    expect(msgs).toHaveLength(entries.length);
    msgs.forEach((m, i) => {
      const e = entries[i] as AuditEntry;
      const cef = m.msg?.replace(/^\uFEFF/, '') ?? '';
      expect(cef.startsWith(`CEF:0|Bella Baxter|Bella Baxter|0.1.0|${e.event}|`)).toBe(true);
      expect(cef).toContain(`cn1=${e.seq} cn1Label=seq`);
      expect(cef).toContain(`outcome=${e.outcome}`);
    });
  });

  it('TLS to a server whose certificate is not trusted is refused and retried, never sent in clear', async () => {
    const rs = await startRsyslog({ tls: true });
    cleanup.push(() => rs.stop());
    const t = await server();
    expect((await t.req('POST', '/api/v1/audit-streams', { token: t.adminToken, body: { name: 'syslog-untrusted', sink: { type: 'syslog', host: '127.0.0.1', port: rs.port, tls: true } } })).statusCode).toBe(201);
    await until('retrying', async () => (await t.req('GET', '/api/v1/audit-streams/syslog-untrusted', { token: t.adminToken })).json<StreamView>().health.retrying >= 1);
    const h = (await t.req('GET', '/api/v1/audit-streams/syslog-untrusted', { token: t.adminToken })).json<StreamView>().health;
    expect(h.lastError).toMatch(/certificate/i);
    expect(rs.messages()).toHaveLength(0);
  });
});
