import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * C2SP signed-note (https://c2sp.org/signed-note) with Ed25519, and C2SP tlog-checkpoint bodies.
 * A note is text ending in "\n", a blank line, then signature lines "— <name> <base64(key id ‖ sig)>\n".
 */
const ALG_ED25519 = 0x01;
const EM_DASH = '\u2014';
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** A key name: non-empty, no whitespace, no '+' (signed-note). */
export const KEY_NAME_RE = /^[^\s+]+$/u;

/** key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] */
export function keyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, ALG_ED25519])).update(publicKey).digest().subarray(0, 4);
}

export interface NoteVerifier {
  readonly name: string;
  readonly id: Buffer;
  readonly publicKey: Buffer;
}

/** `<name>+<8 hex id>+<base64(0x01 ‖ public key)>` */
export function verifierKeyString(name: string, publicKey: Uint8Array): string {
  return `${name}+${keyId(name, publicKey).toString('hex')}+${Buffer.concat([Buffer.from([ALG_ED25519]), publicKey]).toString('base64')}`;
}

/** Parses a verifier key string; throws with the reason when it is malformed or its id does not match. */
export function parseVerifierKey(s: string): NoteVerifier {
  const t = s.trim();
  const m = /^([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(t);
  if (!m) throw new Error('a verifier key has the form <name>+<8 hex digits>+<base64 key>');
  const [, name, idHex, keyB64] = m as unknown as [string, string, string, string];
  const raw = Buffer.from(keyB64, 'base64');
  if (raw.toString('base64') !== keyB64) throw new Error('the verifier key is not canonical base64');
  if (raw.length !== 33 || raw[0] !== ALG_ED25519) throw new Error('the verifier key is not an Ed25519 key (0x01 followed by 32 bytes)');
  const publicKey = raw.subarray(1);
  const id = keyId(name, publicKey);
  if (id.toString('hex') !== idHex) throw new Error(`the verifier key's id ${idHex} does not match its name and key (${id.toString('hex')})`);
  return { name, id, publicKey };
}

export interface NoteSigner extends NoteVerifier {
  sign(msg: Uint8Array): Buffer;
}

/** A signer from a 32-byte Ed25519 seed. */
export function signerFromSeed(name: string, seed: Uint8Array): NoteSigner {
  if (!KEY_NAME_RE.test(name)) throw new Error(`key name ${JSON.stringify(name)} must be non-empty, without spaces or '+'`);
  if (seed.length !== 32) throw new Error('an Ed25519 seed has 32 bytes');
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(spki.length - 32));
  return { name, id: keyId(name, publicKey), publicKey, sign: (msg) => sign(null, msg, priv) };
}

/** A fresh Ed25519 seed. */
export function newSeed(): Buffer {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(der.subarray(der.length - 32));
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
}

/** Signs a note's text (which must end in "\n") and returns the whole note. */
export function signNote(text: string, signer: NoteSigner): string {
  if (!text.endsWith('\n')) throw new Error('a note text ends with a newline');
  const sig = Buffer.concat([signer.id, signer.sign(Buffer.from(text, 'utf8'))]);
  return `${text}\n${EM_DASH} ${signer.name} ${sig.toString('base64')}\n`;
}

/**
 * Opens a note with one verifier: returns its text when a signature by that key verifies. Throws when
 * the note is malformed, has no signature by the key, or the key's signature fails.
 */
export function openNote(note: string, v: NoteVerifier): string {
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0 || !note.endsWith('\n')) throw new Error('not a signed note (no blank line before the signatures, or no final newline)');
  const text = note.slice(0, cut + 1);
  const lines = note.slice(cut + 2, -1).split('\n');
  let found = false;
  for (const line of lines) {
    const m = /^\u2014 ([^\s+]+) ([A-Za-z0-9+/]+=*)$/u.exec(line);
    if (!m) throw new Error(`malformed signature line ${JSON.stringify(line.slice(0, 80))}`);
    const sig = Buffer.from(m[2] as string, 'base64');
    if (m[1] !== v.name || sig.length < 4 || !sig.subarray(0, 4).equals(v.id)) continue;
    if (sig.length !== 68 || !verify(null, Buffer.from(text, 'utf8'), publicKeyObject(v.publicKey), sig.subarray(4))) {
      throw new Error(`the signature by ${v.name} does not verify: the note was altered or not signed by this key`);
    }
    found = true;
  }
  if (!found) throw new Error(`the note has no signature by ${v.name}+${v.id.toString('hex')}`);
  return text;
}

/** A C2SP tlog-checkpoint body. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
}

export function checkpointText(c: Checkpoint): string {
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;
}

/** Parses a checkpoint body (extension lines are allowed and ignored). */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new Error('a checkpoint has an origin, a size and a root hash line, each ending in a newline');
  const [origin, size, root] = lines as [string, string, string];
  if (origin.length === 0) throw new Error('the checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Error(`the checkpoint size ${JSON.stringify(size.slice(0, 40))} is not a decimal number without leading zeros`);
  const r = Buffer.from(root, 'base64');
  if (r.length !== 32 || r.toString('base64') !== root) throw new Error('the checkpoint root is not the base64 of 32 bytes');
  return { origin, size: Number(size), root: r };
}

/** Opens and parses a signed checkpoint, checking its origin against the key name when asked. */
export function openCheckpoint(note: string, v: NoteVerifier): Checkpoint {
  return parseCheckpoint(openNote(note, v));
}
