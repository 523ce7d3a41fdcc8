import { z } from 'zod';

/** The SSH certificate authority's API (docs/ssh.md). Shared by server, CLI and WebApp. */
const name = z.string().min(1).max(64);
const list = z.array(z.string().max(128)).max(100);

export const sshRoleBody = z.strictObject({
  name: name.regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a role name is 1-63 characters of a-z 0-9 . _ - starting with a letter or digit'),
  allowedPrincipals: list.optional(),
  allowEmptyPrincipals: z.boolean().optional(),
  defaultExtensions: list.optional(),
  allowedExtensions: list.optional(),
  criticalOptions: z.record(z.string().max(64), z.string().max(1024)).optional(),
  defaultTtl: z.string().max(16).optional(),
  maxTtl: z.string().max(16).optional(),
});
export type SshRoleInput = z.infer<typeof sshRoleBody>;

export const sshSignBody = z.strictObject({
  publicKey: z.string().min(1).max(16_384),
  role: name,
  principals: list.optional(),
  extensions: list.optional(),
  ttl: z.string().max(16).optional(),
});
export type SshSignInput = z.infer<typeof sshSignBody>;

export interface SshRoleView {
  readonly name: string;
  readonly allowedPrincipals: readonly string[];
  readonly allowEmptyPrincipals: boolean;
  readonly defaultExtensions: readonly string[];
  readonly allowedExtensions: readonly string[];
  readonly criticalOptions: Readonly<Record<string, string>>;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly createdAt: string;
  readonly createdBy: string | null;
}

export interface SshCaView {
  /** "ssh-ed25519 AAAA… bella-ca:PROJECT/ENV", the line for sshd's TrustedUserCAKeys */
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly createdAt: string;
}

export interface SshCertificateView {
  /** The "-cert.pub" line */
  readonly certificate: string;
  readonly serial: string;
  readonly keyId: string;
  readonly principals: readonly string[];
  readonly extensions: readonly string[];
  readonly criticalOptions: Readonly<Record<string, string>>;
  readonly validAfter: string;
  readonly validBefore: string;
  readonly fingerprint: string;
  readonly caFingerprint: string;
}
