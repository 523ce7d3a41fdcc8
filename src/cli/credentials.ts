import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT } from './errors.js';

/** What `bella login` stores for one server. Keyed by URL so a login never leaks to another server. */
export type StoredCredential =
  | { readonly kind: 'session'; readonly token: string; readonly email: string; readonly expiresAt: string }
  | {
      readonly kind: 'apiKey';
      readonly apiKey: string;
      readonly projectSlug: string | null;
      readonly environmentSlug: string | null;
    }
  /** A trust token from `bella auth oidc` (bax-trust-…), valid until expiresAt */
  | { readonly kind: 'issuedToken'; readonly token: string; readonly expiresAt: string; readonly projectSlug: string; readonly environmentSlug: string };

interface CredentialsFile {
  readonly version: 1;
  readonly servers: Readonly<Record<string, StoredCredential>>;
}

export const CREDENTIALS_FILE = 'credentials.json';

export function credentialsPath(configDir: string): string {
  return join(configDir, CREDENTIALS_FILE);
}

function readFile(configDir: string): CredentialsFile {
  let text: string;
  try {
    text = readFileSync(credentialsPath(configDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    if (parsed.version === 1 && parsed.servers && typeof parsed.servers === 'object') return parsed as CredentialsFile;
  } catch {
    // fall through to the error below
  }
  throw new CliError(
    EXIT.error,
    `${credentialsPath(configDir)} is not a valid credentials file`,
    'Delete it and run `bella login` again.',
  );
}

function writeFile(configDir: string, file: CredentialsFile): void {
  // 0700 directory and 0600 file: the file holds session tokens and API keys.
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const path = credentialsPath(configDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode is filtered by the umask and ignored for existing files; make sure.
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function loadCredential(configDir: string, url: string): StoredCredential | null {
  return readFile(configDir).servers[url] ?? null;
}

export function saveCredential(configDir: string, url: string, cred: StoredCredential): void {
  const file = readFile(configDir);
  writeFile(configDir, { version: 1, servers: { ...file.servers, [url]: cred } });
}

/** Forgets the login for one server; returns whether there was one. */
export function removeCredential(configDir: string, url: string): boolean {
  const file = readFile(configDir);
  if (!(url in file.servers)) return false;
  const servers = { ...file.servers };
  delete servers[url];
  if (Object.keys(servers).length === 0) rmSync(credentialsPath(configDir), { force: true });
  else writeFile(configDir, { version: 1, servers });
  return true;
}
