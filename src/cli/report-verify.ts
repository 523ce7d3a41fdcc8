import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportManifest } from '../contract/reports.js';
import { openCheckpoint, parseVerifierKey, type NoteVerifier } from '../integrity/note.js';
import { sha256Hex, verifyManifestSignature } from '../integrity/pack.js';

export interface PackCheck {
  /** Every byte of every file is what the signed manifest says */
  readonly authentic: boolean;
  readonly problems: readonly string[];
  readonly manifest: ReportManifest | null;
  /** The key used: the one given, else the one the pack names (which proves only self-consistency) */
  readonly keySource: 'given' | 'pack';
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Checks an evidence pack directory: manifest.sig is the log key's signature of manifest.json's exact
 * bytes, every file the manifest lists has its SHA-256 and size, no other file is present, and the
 * checkpoint the manifest quotes is signed by the same key.
 */
export function verifyPackDir(dir: string, given?: NoteVerifier): PackCheck {
  const problems: string[] = [];
  const at = (n: string) => join(dir, n);
  if (!existsSync(at('manifest.json')) || !existsSync(at('manifest.sig'))) {
    return { authentic: false, problems: [`${dir} holds no manifest.json and manifest.sig: not an evidence pack`], manifest: null, keySource: given ? 'given' : 'pack' };
  }
  const bytes = readFileSync(at('manifest.json'));
  let manifest: ReportManifest | null = null;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as ReportManifest;
  } catch {
    problems.push('manifest.json is not JSON');
  }
  let key = given ?? null;
  if (!key) {
    try {
      key = parseVerifierKey(String(manifest?.instance?.publicKey ?? ''));
    } catch (e) {
      problems.push(`the manifest names no valid public key: ${(e as Error).message}`);
    }
  }
  if (key) {
    try {
      verifyManifestSignature(bytes, readFileSync(at('manifest.sig'), 'utf8'), key);
    } catch (e) {
      problems.push(`manifest.sig: ${(e as Error).message}`);
    }
  }
  if (manifest && Array.isArray(manifest.files)) {
    const listed = new Set<string>();
    for (const f of manifest.files) {
      if (typeof f?.name !== 'string' || !SAFE_NAME.test(f.name) || f.name.startsWith('manifest.')) {
        problems.push(`the manifest lists an unsafe file name ${JSON.stringify(String(f?.name).slice(0, 80))}`);
        continue;
      }
      listed.add(f.name);
      if (!existsSync(at(f.name))) {
        problems.push(`${f.name}: missing`);
        continue;
      }
      const b = readFileSync(at(f.name));
      if (sha256Hex(b) !== f.sha256 || b.length !== f.bytes) problems.push(`${f.name}: changed (its SHA-256 is not the one the signed manifest lists)`);
    }
    for (const n of readdirSync(dir)) {
      if (n === 'manifest.json' || n === 'manifest.sig' || listed.has(n) || !statSync(at(n)).isFile()) continue;
      problems.push(`${n}: not listed in the manifest (added after signing)`);
    }
  } else if (manifest) problems.push('the manifest lists no files');
  if (key && manifest?.checkpoint) {
    try {
      const cp = openCheckpoint(manifest.checkpoint.note, key);
      if (cp.size !== manifest.checkpoint.size || cp.root.toString('base64') !== manifest.checkpoint.root) problems.push('the quoted checkpoint does not match its size or root');
    } catch (e) {
      problems.push(`the quoted checkpoint: ${(e as Error).message}`);
    }
  }
  return { authentic: problems.length === 0, problems, manifest, keySource: given ? 'given' : 'pack' };
}
