import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL server of the test's own (initdb in a temp dir, its own port), so a test can restart
 * and stop it under load without touching the machine's shared server. Needs Debian's postgresql
 * binaries and root (the server runs as the postgres user).
 */
export interface PgCluster {
  readonly port: number;
  readonly url: string;
  /** The superuser's password over TCP when created with password auth (else '') */
  readonly password: string;
  restart(): void;
  stop(): void;
  start(): void;
  destroy(): void;
}

const binDir = (): string | null => {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const v = readdirSync(base).sort().pop();
  return v && existsSync(join(base, v, 'bin', 'initdb')) ? join(base, v, 'bin') : null;
};

/** Why a private cluster cannot be started here, or null when it can. */
export function pgClusterProblem(): string | null {
  if (!binDir()) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  if (process.getuid?.() !== 0) return 'starting a private PostgreSQL needs root (it runs as the postgres user)';
  return null;
}

export function createPgCluster(port: number, opts: { passwordAuth?: boolean } = {}): PgCluster {
  const bin = binDir() as string;
  const dir = mkdtempSync(join(tmpdir(), 'bella-pgcluster-'));
  const data = join(dir, 'data');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const asPostgres = (tool: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { stdio: 'pipe', cwd: dir, timeout: 60_000 });
  const password = opts.passwordAuth ? `pw-${Math.random().toString(36).slice(2)}` : '';
  asPostgres('initdb', ['-D', data, '--auth-local=trust', opts.passwordAuth ? '--auth-host=scram-sha-256' : '--auth-host=trust', '-U', 'postgres', '--no-sync']);
  const serverOpts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on`;
  const ctl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', ...args]);
  ctl('-o', serverOpts, 'start');
  // Over the Unix socket (trust) the superuser's password is set for TCP clients.
  if (password) asPostgres('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qc', `ALTER ROLE postgres PASSWORD '${password}'`]);
  return {
    port,
    password,
    url: `postgres://postgres${password ? `:${password}` : ''}@127.0.0.1:${port}/postgres`,
    restart: () => ctl('-m', 'fast', '-o', serverOpts, 'restart'),
    stop: () => ctl('-m', 'fast', 'stop'),
    start: () => ctl('-o', serverOpts, 'start'),
    destroy() {
      try {
        ctl('-m', 'immediate', 'stop');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
