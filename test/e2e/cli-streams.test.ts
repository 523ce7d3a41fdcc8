import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { startHecReceiver, until, type HecReceiver } from '../helpers/siem-receivers.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CliUser } from './cli-harness.js';

/**
 * The issue's "done" session with the real server and the real CLI: add a Splunk stream, see events
 * arrive and the health in `bella audit streams list`, break the sink, see it failing, fix it, see it
 * catch up with nothing missing. Then the no-loss check: SIGKILL mid-delivery and a restart.
 */
const ENV = { BELLA_LOG_LEVEL: 'warn', BELLA_STREAM_POLL_MS: '100', BELLA_STREAM_TIMEOUT_MS: '2000', BELLA_STREAM_MAX_BACKOFF_MS: '500', BELLA_STREAM_FAILING_RETRY_MS: '600000' };

const seqs = (hec: HecReceiver) => hec.events.map((e) => (e.event as AuditEntry).seq);

async function logSeqs(srv: ServerProcess, token: string, fromExclusive: number): Promise<number[]> {
  const out: number[] = [];
  let cursor: string | null = null;
  do {
    const r = await srv.request('GET', `/api/v1/audit-logs?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    const page = r.json() as { entries: AuditEntry[]; nextCursor: string | null };
    out.push(...page.entries.map((e) => e.seq));
    cursor = page.nextCursor;
  } while (cursor);
  return out.filter((s) => s > fromExclusive).sort((a, b) => a - b);
}

describe('bella audit streams with a real server process and a Splunk HEC receiver', () => {
  let srv: ServerProcess;
  let admin: CliUser;
  let hec: HecReceiver;
  const dirs: string[] = [];
  beforeAll(async () => {
    srv = await startServerProcess({ env: ENV });
    dirs.push(srv.dataDir);
    admin = new CliUser(srv.url);
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    hec = await startHecReceiver({ token: 'splunk-token-1' });
  });
  afterAll(async () => {
    await srv?.kill();
    await hec?.close();
    for (const d of dirs) removeDataDir(d);
  });

  it('add, list with health, break (failing), fix (catches up with nothing missing), show, test, replay, pause, resume, remove', async () => {
    const cli = (args: string[], env: Record<string, string> = {}) => admin.runAsync(args, { env });
    const token = await srv.login();
    const start = ((await srv.request('GET', '/api/v1/audit-logs?limit=1', { token })).json() as { entries: AuditEntry[] }).entries[0]?.seq ?? 0;
    const add = await cli(['audit', 'streams', 'add', 'splunk-main', '--type', 'splunk', '--set', `url=${hec.url}`, '--set', 'index=security', '--secret-env', 'token=SPLUNK_TOKEN'], { SPLUNK_TOKEN: 'splunk-token-1' });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('Added stream splunk-main (splunk, json); recorded in the Audit Log as AuditStreamCreated.');
    expect(add.stdout).toMatch(/Sink +type=splunk url=http:\/\/127\.0\.0\.1:\d+ index=security token=\*\*\*ENCRYPTED\*\*\*/);
    expect(add.stdout).not.toContain('splunk-token-1');
    expect((await cli(['projects', 'create', 'shop'])).code).toBe(0);
    expect((await cli(['environments', 'create', 'prod', '-p', 'shop'])).code).toBe(0);
    await until('events at the receiver', () => seqs(hec).length >= 3);
    await until('caught up', async () => ((await srv.request('GET', '/api/v1/audit-streams/splunk-main', { token })).json() as { health: { lagEntries: number } }).health.lagEntries === 0);
    const list = await cli(['audit', 'streams', 'list'], { COLUMNS: '200' });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/NAME +PROJECT +SINK +FORMAT +STATE +LAG +DELIVERED/);
    expect(list.stdout).toMatch(/splunk-main +\* +splunk +json +active +0 \/ 0s +\d+/);

    // Break the sink: the token is rotated on the Splunk side.
    hec.token = 'splunk-token-2';
    expect((await cli(['environments', 'create', 'staging', '-p', 'shop'])).code).toBe(0);
    await until('failing', async () => ((await srv.request('GET', '/api/v1/audit-streams/splunk-main', { token })).json() as { health: { state: string } }).health.state === 'failing');
    const failing = await cli(['audit', 'streams', 'list'], { COLUMNS: '200' });
    expect(failing.stdout).toMatch(/splunk-main .* failing .*Splunk HEC answered 403 code 4 \(Invalid token\)/);
    const ready = await srv.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.text).toContain('audit stream splunk-main failing');
    const audit = await cli(['audit', 'list', '--event', 'AuditStreamFailing', '-o', 'json']);
    expect(JSON.parse(audit.stdout)).toEqual([expect.objectContaining({ event: 'AuditStreamFailing', resource: 'splunk-main', actor: expect.objectContaining({ type: 'System' }) })]);
    const tested = await cli(['audit', 'streams', 'test', 'splunk-main']);
    expect(tested.code).toBe(1);
    expect(tested.stderr).toContain('403 code 4');

    // Fix it: the new token. It catches up with nothing missing.
    const fix = await cli(['audit', 'streams', 'update', 'splunk-main', '--secret-env', 'token=NEW_TOKEN'], { NEW_TOKEN: 'splunk-token-2' });
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stdout).not.toContain('splunk-token-2');
    expect((await cli(['environments', 'create', 'dev', '-p', 'shop'])).code).toBe(0);
    await until('active again and caught up', async () => {
      const h = ((await srv.request('GET', '/api/v1/audit-streams/splunk-main', { token })).json() as { health: { state: string; lagEntries: number } }).health;
      return h.state === 'active' && h.lagEntries === 0;
    });
    const expected = await logSeqs(srv, token, start);
    expect([...new Set(seqs(hec))]).toEqual(expected);
    const after = await cli(['audit', 'streams', 'list'], { COLUMNS: '200' });
    expect(after.stdout).toMatch(/splunk-main +\* +splunk +json +active +0 \/ 0s/);

    const show = await cli(['audit', 'streams', 'show', 'splunk-main']);
    expect(show.stdout).toMatch(/State +active/);
    expect(show.stdout).toMatch(/Lag +0 entries, 0s/);
    expect((await cli(['audit', 'streams', 'test', 'splunk-main'])).stdout).toMatch(/the sink accepted a test heartbeat in \d+ ms/);
    const replay = await cli(['audit', 'streams', 'replay', 'splunk-main', '--from-seq', String(expected[0])]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(`resends from seq ${expected[0]}`);
    await until('replayed', () => seqs(hec).filter((s) => s === expected[0]).length >= 2);
    expect((await cli(['audit', 'streams', 'pause', 'splunk-main'])).stdout).toMatch(/is paused at seq \d+; recorded as AuditStreamPaused/);
    expect((await cli(['audit', 'streams', 'resume', 'splunk-main'])).stdout).toMatch(/is active at seq \d+; recorded as AuditStreamResumed/);
    const bad = await cli(['audit', 'streams', 'replay', 'splunk-main']);
    expect(bad.code).toBe(2);
    expect((await cli(['audit', 'streams', 'add', 'x', '--type', 'kafka'])).code).toBe(2);
    const refused = await cli(['audit', 'streams', 'add', 'x', '--type', 'splunk', '--set', 'url=http://example.com', '--set', 'token=abc']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('sink.url: must be an https:// URL');
    expect((await cli(['audit', 'streams', 'remove', 'splunk-main'])).stdout).toContain('Removed stream splunk-main');
    expect((await cli(['audit', 'streams', 'list'])).stdout).toContain('No audit streams');
  }, 90_000);

  it('no loss: SIGKILL mid-delivery under load, restart: every entry arrives at least once, in seq order, duplicates only at the kill point', async () => {
    const rx = await startHecReceiver({ token: 'kill-token' });
    try {
      let token = await srv.login();
      expect((await srv.request('POST', '/api/v1/projects', { token, body: { slug: 'kill', name: 'Kill' } })).status).toBe(201);
      expect((await srv.request('POST', '/api/v1/projects/kill/environments', { token, body: { slug: 'prod', name: 'P' } })).status).toBe(201);
      rx.delayMs = 150;
      const created = await srv.request('POST', '/api/v1/audit-streams', { token, body: { name: 'splunk-kill', sink: { type: 'splunk', url: rx.url, token: 'kill-token' }, heartbeatSeconds: 0 } });
      expect(created.status, created.text).toBe(201);
      const from = (created.json() as { health: { cursor: number } }).health.cursor;
      // Writes in parallel waves while delivery runs behind a slow receiver; the kill lands mid-way.
      let acknowledged = 0;
      const load = (async () => {
        for (let wave = 0; wave < 40; wave++) {
          const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => srv.request('PUT', `/api/v1/projects/kill/environments/prod/secrets/K${wave}_${i}`, { token, body: { value: 'v' } }).catch(() => null)));
          acknowledged += rs.filter((r) => r?.status === 200).length;
          if (rs.some((r) => r === null)) return;
        }
      })();
      await until('delivery under way with writes in flight', () => rx.events.length >= 30 && acknowledged >= 150, 30_000);
      const atKill = rx.events.length;
      await srv.kill();
      await load;
      expect(acknowledged).toBeGreaterThan(0);
      rx.delayMs = 0;
      srv = await startServerProcess({ dataDir: srv.dataDir, env: ENV });
      token = await srv.login();
      const expected = await logSeqs(srv, token, from);
      const last = expected[expected.length - 1] as number;
      await until('everything delivered after the restart', () => seqs(rx).includes(last), 30_000);
      const got = seqs(rx).filter((s) => s <= last);
      // The kill really was mid-delivery: entries committed before it were still on their way.
      expect(new Set(seqs(rx).slice(0, atKill)).size).toBeLessThan(expected.length);
      console.info(`no-loss: ${expected.length} entries committed, ${atKill} delivered at the kill, ${got.length} deliveries in all (${got.length - expected.length} duplicates)`);
      // Every committed entry at least once, first arrivals in seq order.
      expect([...new Set(got)]).toEqual(expected);
      // Duplicates only at the kill point: one rewind, to the durable cursor, then in order again.
      const rewinds = got.map((s, i) => (i > 0 && s <= (got[i - 1] as number) ? i : -1)).filter((i) => i >= 0);
      expect(rewinds.length).toBeLessThanOrEqual(1);
      if (rewinds.length === 1) expect(rewinds[0]).toBeGreaterThanOrEqual(atKill - 1);
      expect(got.length - expected.length).toBeLessThanOrEqual(atKill + 500);
    } finally {
      await rx.close();
    }
  }, 120_000);
});
