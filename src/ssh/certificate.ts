import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { packStrings, SshReader, SshWriter } from './wire.js';

/**
 * OpenSSH user certificates (PROTOCOL.certkeys) signed by an Ed25519 CA, for Ed25519, ECDSA and RSA
 * subject keys. Pure: no storage, no domain imports.
 */

/** Subject key types accepted, with the certificate type each one becomes. */
const CERT_TYPES: Readonly<Record<string, string>> = {
  'ssh-ed25519': 'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256': 'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384': 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521': 'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'ssh-rsa': 'ssh-rsa-cert-v01@openssh.com',
};
/** RSA moduli shorter than this are refused as weak (NIST SP 800-131A). */
export const MIN_RSA_BITS = 2048;
const USER_CERT = 1;

export interface SubjectKey {
  readonly type: string;
  /** The key's public blob (type string and its fields) */
  readonly blob: Buffer;
  /** The fields after the type string, as they are copied into the certificate */
  readonly fields: Buffer;
  /** SHA256:… as ssh-keygen -l prints it */
  readonly fingerprint: string;
  readonly comment: string;
}

export class KeyProblem extends Error {
  constructor(
    message: string,
    readonly weak = false,
  ) {
    super(message);
    this.name = 'KeyProblem';
  }
}

export const fingerprintOf = (blob: Buffer): string => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

/** Parses one OpenSSH public key line ("ssh-ed25519 AAAA… comment"); throws KeyProblem saying what is wrong. */
export function parsePublicKey(line: string): SubjectKey {
  const text = line.trim();
  if (text.length > 16_384) throw new KeyProblem('the public key is longer than any supported key type');
  if (text.includes('\n')) throw new KeyProblem('send one public key (one line)');
  const m = /^([a-z0-9@.-]+) ([A-Za-z0-9+/]+={0,2})(?: (.*))?$/.exec(text);
  if (!m) throw new KeyProblem('not an OpenSSH public key line ("ssh-ed25519 AAAA… comment"); send the .pub file');
  const type = m[1] as string;
  if (type.includes('-cert-v01@')) throw new KeyProblem('that is a certificate, not a public key; send the .pub file of the key');
  if (type === 'ssh-dss') throw new KeyProblem('DSA keys are refused as weak; use an Ed25519 key (ssh-keygen -t ed25519)', true);
  if (!(type in CERT_TYPES)) throw new KeyProblem(`unsupported key type ${type}; use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa (${MIN_RSA_BITS} bits or more)`);
  const blob = Buffer.from(m[2] as string, 'base64');
  const r = new SshReader(blob);
  let fieldsStart: number;
  try {
    const inner = r.string().toString('latin1');
    if (inner !== type) throw new KeyProblem(`the key says ${JSON.stringify(type)} but its data is a ${JSON.stringify(inner)} key`);
    fieldsStart = r.offset;
    if (type === 'ssh-ed25519') {
      if (r.string().length !== 32) throw new KeyProblem('an Ed25519 public key is 32 bytes');
    } else if (type === 'ssh-rsa') {
      const e = r.string();
      const n = r.string();
      const bits = bitLength(n);
      if (e.length === 0 || n.length === 0) throw new KeyProblem('malformed RSA key');
      if (bits < MIN_RSA_BITS) throw new KeyProblem(`RSA keys of ${bits} bits are refused as weak; use ${MIN_RSA_BITS} bits or more, or Ed25519`, true);
    } else {
      const curve = r.string().toString('latin1');
      if (`ecdsa-sha2-${curve}` !== type) throw new KeyProblem(`the key's curve ${curve} does not match its type ${type}`);
      r.string();
    }
  } catch (e) {
    if (e instanceof KeyProblem) throw e;
    throw new KeyProblem('the public key data is truncated or malformed');
  }
  if (!r.done) throw new KeyProblem('the public key data has trailing bytes');
  // The key must be a real point/key, not just well-shaped bytes: let OpenSSL parse it.
  checkParses(type, blob);
  return { type, blob, fields: blob.subarray(fieldsStart), fingerprint: fingerprintOf(blob), comment: m[3] ?? '' };
}

function bitLength(mpint: Buffer): number {
  let i = 0;
  while (i < mpint.length && mpint[i] === 0) i++;
  if (i === mpint.length) return 0;
  return (mpint.length - i - 1) * 8 + (32 - Math.clz32(mpint[i] as number));
}

const b64u = (b: Buffer) => b.toString('base64url');
const unsignedMpint = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

function checkParses(type: string, blob: Buffer): void {
  const r = new SshReader(blob);
  r.string();
  try {
    if (type === 'ssh-ed25519') createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(r.string()) }, format: 'jwk' });
    else if (type === 'ssh-rsa') {
      const e = r.string();
      const n = r.string();
      createPublicKey({ key: { kty: 'RSA', e: b64u(unsignedMpint(e)), n: b64u(unsignedMpint(n)) }, format: 'jwk' });
    } else {
      const curve = r.string().toString('latin1');
      const q = r.string();
      const crv = { nistp256: 'P-256', nistp384: 'P-384', nistp521: 'P-521' }[curve] as string;
      const size = q.length >= 1 && q[0] === 4 ? (q.length - 1) / 2 : 0;
      if (!size || !Number.isInteger(size)) throw new Error('not an uncompressed point');
      createPublicKey({ key: { kty: 'EC', crv, x: b64u(q.subarray(1, 1 + size)), y: b64u(q.subarray(1 + size)) }, format: 'jwk' });
    }
  } catch {
    throw new KeyProblem('the public key is not a valid key of its type');
  }
}

/** A CA key pair: the private key as PKCS#8 DER (sealed by the caller), the public key as an SSH blob. */
export interface CaKeys {
  readonly privateDer: Buffer;
  readonly publicBlob: Buffer;
}

export function generateCa(): CaKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateDer: privateKey.export({ format: 'der', type: 'pkcs8' }), publicBlob: ed25519Blob(publicKey) };
}

function ed25519Blob(pub: KeyObject): Buffer {
  const x = Buffer.from(pub.export({ format: 'jwk' }).x as string, 'base64url');
  return new SshWriter().string('ssh-ed25519').string(x).bytes();
}

/** "ssh-ed25519 AAAA… comment", the form of TrustedUserCAKeys and .pub files. */
export const publicKeyLine = (blob: Buffer, comment: string): string => `${new SshReader(blob).string().toString('latin1')} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;

export interface CertificateRequest {
  readonly subject: SubjectKey;
  readonly serial: bigint;
  readonly keyId: string;
  readonly principals: readonly string[];
  /** Unix seconds */
  readonly validAfter: number;
  readonly validBefore: number;
  /** name → value ('' for flags such as permit-pty) */
  readonly criticalOptions: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, string>>;
}

/** Options and extensions: sorted by name (OpenSSH requires it), each value a string inside a string, flags empty. */
function optionList(opts: Readonly<Record<string, string>>): Buffer {
  const w = new SshWriter();
  for (const name of Object.keys(opts).sort()) {
    const v = opts[name] as string;
    w.string(name).string(v === '' ? Buffer.alloc(0) : new SshWriter().string(v).bytes());
  }
  return w.bytes();
}

/** Builds and signs the certificate; returns the "-cert.pub" line. */
export function signCertificate(ca: CaKeys, req: CertificateRequest, comment: string): string {
  const certType = CERT_TYPES[req.subject.type] as string;
  const body = new SshWriter()
    .string(certType)
    .string(randomBytes(32))
    .raw(req.subject.fields)
    .uint64(req.serial)
    .uint32(USER_CERT)
    .string(req.keyId)
    .string(packStrings(req.principals))
    .uint64(BigInt(req.validAfter))
    .uint64(BigInt(req.validBefore))
    .string(optionList(req.criticalOptions))
    .string(optionList(req.extensions))
    .string(Buffer.alloc(0))
    .string(ca.publicBlob)
    .bytes();
  const key = createPrivateKey({ key: ca.privateDer, format: 'der', type: 'pkcs8' });
  const signature = new SshWriter().string('ssh-ed25519').string(sign(null, body, key)).bytes();
  const cert = Buffer.concat([body, new SshWriter().string(signature).bytes()]);
  return `${certType} ${cert.toString('base64')}${comment ? ` ${comment}` : ''}`;
}
