import { createHash } from 'node:crypto';
import { openNote, type NoteVerifier } from './note.js';

/**
 * The detached signature of an evidence pack's manifest: a C2SP signed note, by the instance's log
 * key, whose text names the format and the SHA-256 of manifest.json's exact bytes. The manifest in
 * turn lists every other file's SHA-256, so one signature covers every byte of the pack.
 */
export const PACK_SIGNATURE_VERSION = 'bella-evidence-pack/1';

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The note text signed for a manifest. */
export const manifestSignatureText = (manifest: Uint8Array): string => `${PACK_SIGNATURE_VERSION}\nmanifest.json sha256 ${sha256Hex(manifest)}\n`;

/** Throws with the reason unless `note` is the key's signature of exactly these manifest bytes. */
export function verifyManifestSignature(manifest: Uint8Array, note: string, key: NoteVerifier): void {
  const text = openNote(note, key);
  if (text !== manifestSignatureText(manifest)) throw new Error('the signature is of another manifest: manifest.json was changed');
}
