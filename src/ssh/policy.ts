import type { SshRoleInput } from '../contract/ssh.js';
import { badRequest } from '../kernel/errors.js';

/** The extensions OpenSSH knows for user certificates (PROTOCOL.certkeys); flags, no values. */
export const KNOWN_EXTENSIONS = [
  'no-touch-required',
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
] as const;
/** Critical options OpenSSH knows; verify-required is a flag, the others carry a value. */
export const KNOWN_CRITICAL_OPTIONS = ['force-command', 'source-address', 'verify-required'] as const;

export const PRINCIPAL_RE = /^[A-Za-z0-9._@-]{1,64}$/;
export const ROLE_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** 90 days: certificates are meant to be short-lived; longer is a key, not a certificate. */
export const MAX_TTL_SECONDS = 90 * 86_400;

/** "90s", "30m", "8h", "7d" (or plain seconds) → seconds; null when malformed. */
export function parseTtl(v: string): number | null {
  const m = /^(\d{1,7})([smhd]?)$/.exec(v.trim());
  if (!m) return null;
  const n = Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n > 0 ? n : null;
}

export interface RolePolicy {
  readonly allowedPrincipals: string[];
  readonly allowEmptyPrincipals: boolean;
  readonly defaultExtensions: string[];
  readonly allowedExtensions: string[];
  readonly criticalOptions: Record<string, string>;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
}

const uniq = (xs: readonly string[]) => [...new Set(xs)];

/** Checks a role's settings as a whole; every problem is named in one 400. */
export function rolePolicy(input: SshRoleInput): RolePolicy {
  const problems: string[] = [];
  const principals = uniq(input.allowedPrincipals ?? []);
  for (const p of principals) if (!PRINCIPAL_RE.test(p)) problems.push(`principal ${JSON.stringify(p)} must be 1-64 characters of A-Z a-z 0-9 . _ @ -`);
  const allowEmpty = input.allowEmptyPrincipals ?? false;
  if (principals.length === 0 && !allowEmpty) {
    problems.push('allowedPrincipals is empty: a certificate without principals is valid for every account, so it needs allowEmptyPrincipals: true');
  }
  const known = new Set<string>(KNOWN_EXTENSIONS);
  const defaults = uniq(input.defaultExtensions ?? ['permit-pty']);
  const allowed = uniq(input.allowedExtensions ?? defaults);
  for (const x of uniq([...defaults, ...allowed])) if (!known.has(x)) problems.push(`unknown extension ${JSON.stringify(x)}; known: ${KNOWN_EXTENSIONS.join(', ')}`);
  for (const x of defaults) if (!allowed.includes(x)) problems.push(`default extension ${x} is not in allowedExtensions`);
  const critical: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.criticalOptions ?? {})) {
    if (!(KNOWN_CRITICAL_OPTIONS as readonly string[]).includes(k)) problems.push(`unknown critical option ${JSON.stringify(k)}; known: ${KNOWN_CRITICAL_OPTIONS.join(', ')}`);
    else if (k === 'verify-required' ? v !== '' : v.length === 0 || v.length > 1024 || /[\u0000-\u001f\u007f]/.test(v)) {
      problems.push(k === 'verify-required' ? 'verify-required is a flag: give it the value ""' : `critical option ${k} needs a value of 1-1024 printable characters`);
    } else critical[k] = v;
  }
  const ttl = (name: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const s = parseTtl(v);
    if (s === null) problems.push(`${name} ${JSON.stringify(v)} must be a duration like 90s, 30m, 8h or 7d`);
    else if (s > MAX_TTL_SECONDS) problems.push(`${name} must be at most 90d`);
    return s ?? fallback;
  };
  const maxTtl = ttl('maxTtl', input.maxTtl, 8 * 3600);
  const defaultTtl = ttl('defaultTtl', input.defaultTtl, Math.min(3600, maxTtl));
  if (defaultTtl > maxTtl) problems.push(`defaultTtl (${defaultTtl} s) must not exceed maxTtl (${maxTtl} s)`);
  if (problems.length > 0) throw badRequest(problems.join('; '));
  return {
    allowedPrincipals: principals, allowEmptyPrincipals: allowEmpty, defaultExtensions: defaults, allowedExtensions: allowed,
    criticalOptions: critical, defaultTtlSeconds: defaultTtl, maxTtlSeconds: maxTtl,
  };
}
