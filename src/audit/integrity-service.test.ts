import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/harness.js';
import { checkpointText, openCheckpoint, parseVerifierKey, signerFromSeed, signNote, verifierKeyString } from '../integrity/note.js';
import { KeyRing } from '../secrets/envelope.js';
import { createCheckpointWorker } from './checkpoint-worker.js';
import { createIntegrityService } from './integrity-service.js';

describe('checkpoints: signing, publication, refusal', () => {
  let t: TestServer;
  let dir: string;
  const service = (origin = 'bella.local/audit-log') =>
    createIntegrityService({
      store: t.server.store,
      uow: t.server.uow,
      keyring: keyring(),
      clock: () => new Date(),
      scopes: t.server.services.scopes,
      origin,
      dir,
    });
  const keyring = () => new KeyRing(Buffer.from(readFileSync(join(t.dataDir, 'master.key'), 'utf8').trim(), 'hex'));
  const write = (k: string) => t.req('PUT', `/api/v1/projects/p/environments/prod/secrets/${k}`, { token: t.adminToken, body: { value: 'v' } });

  beforeAll(async () => {
    t = await startTestServer({});
    dir = join(t.dataDir, 'published');
    for (const [url, body] of [['/api/v1/projects', { slug: 'p', name: 'P' }], ['/api/v1/projects/p/environments', { slug: 'prod', name: 'Prod' }]] as const) {
      await t.req('POST', url, { token: t.adminToken, body });
    }
  });
  afterAll(async () => t.close());

  it('signs only when the log grew, publishes each checkpoint once as <size>.checkpoint, with the key sealed in the database', async () => {
    const s = service();
    const first = await s.sign();
    expect(first).not.toBeNull();
    expect(await s.sign()).toEqual(first);
    await write('A');
    const second = await s.sign();
    expect(second?.size).toBeGreaterThan(first?.size ?? 0);
    expect(readdirSync(dir).sort()).toEqual([`${first?.size}.checkpoint`, `${second?.size}.checkpoint`].sort());
    // The key is the one the server created at start (one key per instance, whichever node signs).
    const v = parseVerifierKey((await t.req('GET', '/api/v1/audit-log/public-key', { token: t.adminToken })).json().publicKey);
    expect(openCheckpoint(readFileSync(join(dir, `${second?.size}.checkpoint`), 'utf8'), v).size).toBe(second?.size);
    expect(await t.server.store.settings.get('integrity.checkpointKey')).not.toMatch(/PRIVATE|^[A-Za-z0-9+/]{43}=$/);
    expect(verifierKeyString(v.name, v.publicKey)).toContain('bella.local/audit-log+');
  });

  it('refuses to sign a tree inconsistent with the published checkpoint, and records the refusal once', async () => {
    await write('B');
    await service().sign();
    // A checkpoint signed with the instance's key over a bigger tree than the database now holds (as
    // after restoring an old backup): the server must not sign a smaller tree.
    const size = (await t.server.store.auditTree.state()).size;
    const sealed = await t.server.store.settings.get('integrity.checkpointKey');
    const seed = keyring().openInstance(Buffer.from(sealed as string, 'base64'), 'checkpoint-signing-key');
    const signer = signerFromSeed('bella.local/audit-log', seed);
    writeFileSync(join(dir, `${size + 5}.checkpoint`), signNote(checkpointText({ origin: 'bella.local/audit-log', size: size + 5, root: Buffer.alloc(32, 9) }), signer));
    const fresh = service();
    await expect(fresh.sign()).rejects.toMatchObject({ code: 'log_inconsistent' });
    await expect(fresh.sign()).rejects.toMatchObject({ code: 'log_inconsistent' });
    const refusals = await t.server.store.auditLog.query({ events: ['CheckpointRefused'] }, 10);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.details).toMatchObject({ checkpointSize: size + 5 });
    // A file in the publication directory that the key did not sign is refused too.
    writeFileSync(join(dir, `${size + 9}.checkpoint`), 'not a note\n');
    await expect(service().sign()).rejects.toThrow(/does not verify with the signing key/);
  });

  it('posts each new checkpoint to the webhook as the signed note; a dead webhook is alerted, never blocks signing', async () => {
    const got: { type: string | undefined; body: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ type: req.headers['content-type'], body });
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/checkpoints`;
    const alerts: string[] = [];
    const make = (webhookUrl: string) =>
      createIntegrityService({ store: t.server.store, uow: t.server.uow, keyring: keyring(), clock: () => new Date(), scopes: t.server.services.scopes, origin: 'bella.local/audit-log', dir: null, webhookUrl, alert: (m) => alerts.push(m) });
    try {
      await write('W1');
      const row = await make(url).sign();
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual([{ type: 'text/plain; charset=utf-8', body: row?.note }]);
      await write('W2');
      const next = await make('http://127.0.0.1:9/nothing-listens').sign();
      expect(next?.size).toBeGreaterThan(row?.size ?? 0);
      for (let i = 0; i < 100 && alerts.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(alerts[0]).toMatch(/webhook failed/);
    } finally {
      hook.close();
    }
  });

  it('the worker signs nothing at start, then at each interval when the log grew', async () => {
    let calls = 0;
    const w = createCheckpointWorker({ integrity: { sign: async () => (calls++, null) }, clock: () => new Date(), intervalMs: 30, onError: () => undefined });
    await w.start();
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    await w.stop();
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(w.health().ok).toBe(true);
  });
});
