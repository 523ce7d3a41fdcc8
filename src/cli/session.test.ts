import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findContextFile, parseContextFile, renderContextFile } from './context-file.js';
import { readCliEnv } from './env.js';
import { resolveScope, openSession } from './session.js';
import { credentialsPath, loadCredential, removeCredential, saveCredential } from './credentials.js';

describe('.bella files', () => {
  it('round-trips what context init writes', () => {
    const text = renderContextFile('my-api', 'production');
    expect(text).toBe('project = "my-api"\nenvironment = "production"\n');
    expect(parseContextFile(text, '.bella')).toEqual({ path: '.bella', project: 'my-api', environment: 'production' });
  });

  it('ignores comments, blank lines and unknown keys', () => {
    const f = parseContextFile('# team context\n\nproject = "a" # inline\nregion = "eu"\n', 'x');
    expect(f).toMatchObject({ project: 'a', environment: null });
  });

  it('reports a malformed line with its number', () => {
    expect(() => parseContextFile('project = "a"\nenvironment: b\n', '/p/.bella')).toThrow('/p/.bella:2');
  });

  it('is found by walking up from a nested directory', () => {
    const root = mkdtempSync(join(tmpdir(), 'bella-ctx-'));
    writeFileSync(join(root, '.bella'), renderContextFile('up', 'dev'));
    const deep = join(root, 'a', 'b', 'c');
    mkdirSync(deep, { recursive: true });
    expect(findContextFile(deep)).toMatchObject({ project: 'up', environment: 'dev', path: join(root, '.bella') });
  });
});

describe('project and environment resolution', () => {
  function setup(vars: Record<string, string>, file: string | null) {
    const home = mkdtempSync(join(tmpdir(), 'bella-home-'));
    const cwd = mkdtempSync(join(tmpdir(), 'bella-cwd-'));
    if (file !== null) writeFileSync(join(cwd, '.bella'), file);
    return readCliEnv({ HOME: home, BELLA_BAXTER_URL: 'http://127.0.0.1:1', ...vars }, cwd);
  }

  it('prefers flags, then environment variables, then the .bella file, field by field', async () => {
    const env = setup({ BELLA_BAXTER_ENV: 'from-env' }, renderContextFile('from-file', 'file-env'));
    const s = openSession(env);
    expect(await resolveScope(s, {})).toEqual({ project: 'from-file', environment: 'from-env' });
    expect(await resolveScope(s, { project: 'flag' })).toEqual({ project: 'flag', environment: 'from-env' });
  });

  it("uses a stored API key's own scope ahead of environment variables", async () => {
    const env = setup({ BELLA_BAXTER_PROJECT: 'env-p', BELLA_BAXTER_ENV: 'env-e' }, null);
    saveCredential(env.configDir, env.url, {
      kind: 'apiKey',
      apiKey: `bax-${'a'.repeat(16)}-${'b'.repeat(48)}`,
      projectSlug: 'key-p',
      environmentSlug: 'key-e',
    });
    const s = openSession(env);
    expect(s.source).toBe('stored API key');
    expect(await resolveScope(s, { environment: 'flag-e' })).toEqual({ project: 'key-p', environment: 'flag-e' });
  });

  it('rejects a malformed slug from a flag before any request', async () => {
    const env = setup({}, null);
    await expect(resolveScope(openSession(env), { project: 'Bad_Slug' })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('stored credentials', () => {
  it('are written 0600 in a 0700 directory', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bella-cred-')), '.config', 'bella-cli');
    saveCredential(dir, 'http://a', { kind: 'session', token: 't', email: 'a@example.com', expiresAt: 'x' });
    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('are kept per server URL so a login never applies to another server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bella-cred-'));
    saveCredential(dir, 'http://a', { kind: 'session', token: 'ta', email: 'a@example.com', expiresAt: 'x' });
    saveCredential(dir, 'http://b', { kind: 'session', token: 'tb', email: 'b@example.com', expiresAt: 'x' });
    expect(loadCredential(dir, 'http://a')).toMatchObject({ token: 'ta' });
    expect(removeCredential(dir, 'http://a')).toBe(true);
    expect(loadCredential(dir, 'http://a')).toBeNull();
    expect(loadCredential(dir, 'http://b')).toMatchObject({ token: 'tb' });
    expect(removeCredential(dir, 'http://a')).toBe(false);
  });
});
