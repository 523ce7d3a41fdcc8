import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/harness.js';
import { saveCredential } from '../credentials.js';
import { readCliEnv } from '../env.js';
import type { CommandContext } from '../env.js';
import { parseDays, registerAdminRetentionCommands } from './admin-retention.js';

describe('bella admin retention', () => {
  let t: TestServer;
  let url: string;
  let home: string;

  beforeAll(async () => {
    t = await startTestServer();
    url = await t.server.app.listen({ port: 0, host: '127.0.0.1' });
    home = mkdtempSync(join(tmpdir(), 'bella-cli-home-'));
    const env = readCliEnv({ HOME: home, BELLA_BAXTER_URL: url }, home);
    saveCredential(env.configDir, env.url, { kind: 'session', token: t.adminToken, email: 'admin@example.com', expiresAt: '2999-01-01T00:00:00.000Z' });
  });
  afterAll(async () => {
    await t.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs `bella admin retention …` in-process; returns stdout or the thrown error. */
  async function bella(...argv: string[]): Promise<{ out: string; error: unknown }> {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (b: Buffer) => (out += b.toString()));
    const ctx: CommandContext = { env: readCliEnv({ HOME: home, BELLA_BAXTER_URL: url }, home), io: { stdout, stderr: new PassThrough(), stdin: new PassThrough() }, now: () => new Date() };
    const program = new Command('bella').exitOverride();
    registerAdminRetentionCommands(program, () => ctx);
    try {
      await program.parseAsync(argv, { from: 'user' });
      return { out, error: null };
    } catch (error) {
      return { out, error };
    }
  }

  it('parses day counts written as 400d or 400 and refuses anything else', () => {
    expect(parseDays('--audit', '400d')).toBe(400);
    expect(parseDays('--audit', '30')).toBe(30);
    expect(() => parseDays('--audit', '1y')).toThrow(/whole number of days/);
    expect(() => parseDays('--access', '-3d')).toThrow(/--access/);
  });

  it('show prints both windows with their defaults and floors; set changes them and shows the result', async () => {
    expect((await bella('admin', 'retention', 'show')).out).toBe(
      'Audit Log  365 days   (default 365, minimum 30)\nAccess Log 90 days    (default 90, minimum 1)\n',
    );
    // Shortening the Access Log deletes entries: without a terminal to ask on, it needs --yes.
    const unconfirmed = await bella('admin', 'retention', 'set', '--audit', '400d', '--access', '30d');
    expect(String((unconfirmed.error as Error).message)).toMatch(/This shortens the Access Log from 90 to 30 days.*Add --yes to confirm/);
    expect(JSON.parse((await bella('admin', 'retention', 'show', '-o', 'json')).out)).toMatchObject({ auditDays: 365, accessDays: 90 });
    const set = await bella('admin', 'retention', 'set', '--audit', '400d', '--access', '30d', '--yes');
    expect(set.error).toBeNull();
    expect(set.out).toContain('Audit Log  400 days');
    expect(set.out).toContain('Access Log 30 days');
    const json = JSON.parse((await bella('admin', 'retention', 'show', '-o', 'json')).out);
    expect(json).toMatchObject({ auditDays: 400, accessDays: 30 });
  });

  it('a window below the floor is refused by the server with its message, and nothing changes', async () => {
    const r = await bella('admin', 'retention', 'set', '--audit', '7d');
    expect(String((r.error as Error).message)).toMatch(/at least 30 days/);
    expect((await bella('admin', 'retention', 'set')).error).toBeTruthy();
    expect(JSON.parse((await bella('admin', 'retention', 'show', '-o', 'json')).out)).toMatchObject({ auditDays: 400 });
  });
});
