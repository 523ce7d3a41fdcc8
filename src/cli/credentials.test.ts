import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialsPath, loadCredential, removeCredential, saveCredential } from './credentials.js';

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
