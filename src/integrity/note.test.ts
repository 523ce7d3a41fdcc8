import { describe, expect, it } from 'vitest';
import { checkpointText, keyId, newSeed, openCheckpoint, openNote, parseCheckpoint, parseVerifierKey, signerFromSeed, signNote, verifierKeyString } from './note.js';

// The example of golang.org/x/mod/sumdb/note (C2SP signed-note's reference implementation).
const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const NOTE = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes (C2SP signed-note, Ed25519)', () => {
  it('reproduces the reference note byte for byte and opens it with the reference key', () => {
    const signer = signerFromSeed('PeterNeumann', SEED);
    expect(verifierKeyString(signer.name, signer.publicKey)).toBe(VKEY);
    expect(signNote(TEXT, signer)).toBe(NOTE);
    expect(openNote(NOTE, parseVerifierKey(VKEY))).toBe(TEXT);
  });

  it('refuses the reference note with one character changed, or without the key\u2019s signature', () => {
    const v = parseVerifierKey(VKEY);
    expect(() => openNote(NOTE.replace('cryptography', 'cryptographY'), v)).toThrow(/does not verify/);
    expect(() => openNote(NOTE.replace('x08go', 'x08gp'), v)).toThrow();
    expect(() => openNote(TEXT, v)).toThrow(/not a signed note/);
    const other = signerFromSeed('PeterNeumann', newSeed());
    expect(() => openNote(signNote(TEXT, other), v)).toThrow(/no signature by PeterNeumann\+c74f20a3/);
  });

  it('refuses malformed verifier keys', () => {
    expect(() => parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/does not match/);
    expect(() => parseVerifierKey('PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow();
    expect(() => parseVerifierKey('Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/form/);
    expect(() => parseVerifierKey('')).toThrow();
    expect(keyId('PeterNeumann', parseVerifierKey(VKEY).publicKey).toString('hex')).toBe('c74f20a3');
  });

  it('signs and opens a tlog-checkpoint; refuses malformed bodies', () => {
    const signer = signerFromSeed('bella.example/audit', newSeed());
    const root = Buffer.alloc(32, 7);
    const note = signNote(checkpointText({ origin: 'bella.example/audit', size: 42, root }), signer);
    expect(note.split('\n').slice(0, 3)).toEqual(['bella.example/audit', '42', root.toString('base64')]);
    expect(openCheckpoint(note, parseVerifierKey(verifierKeyString(signer.name, signer.publicKey)))).toEqual({ origin: 'bella.example/audit', size: 42, root });
    expect(() => parseCheckpoint(`o\n042\n${root.toString('base64')}\n`)).toThrow(/leading zeros/);
    expect(() => parseCheckpoint(`o\n42\nAAAA\n`)).toThrow(/32 bytes/);
    expect(() => parseCheckpoint('o\n42\n')).toThrow();
  });
});
