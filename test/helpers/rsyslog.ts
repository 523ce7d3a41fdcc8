import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's rsyslogd with the gtls driver (rsyslog and rsyslog-gnutls; .ci/run installs them). */
export function rsyslogAvailable(): boolean {
  try {
    execFileSync('rsyslogd', ['-v'], { stdio: 'ignore' });
    return ['/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so', '/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so', '/usr/lib/rsyslog/lmnsd_gtls.so'].some((p) => existsSync(p));
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port }, () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export interface Rsyslog {
  readonly port: number;
  readonly tls: boolean;
  /** The CA (self-signed server certificate) a TLS client trusts */
  readonly caPem: string;
  /** Every message rsyslog wrote so far, as its %jsonmesg% objects */
  messages(): Record<string, string>[];
  stop(): Promise<void>;
}

/**
 * A private rsyslogd on a loopback port: imtcp (octet-counted framing), plain or TLS through gtls
 * with a freshly generated certificate (anonymous client auth), writing each message as %jsonmesg%
 * (the parsed RFC 5424 fields: pri, timereported, hostname, app-name, procid, msgid,
 * structured-data, msg) to a file the test reads back.
 */
export async function startRsyslog(opts: { tls: boolean }): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'bella-rsyslog-'));
  const port = await freePort();
  const out = join(dir, 'out.jsonl');
  let caPem = '';
  if (opts.tls) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    caPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  }
  const conf = [
    `global(workDirectory="${dir}"${opts.tls ? ` defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="${dir}/cert.pem" defaultNetstreamDriverCertFile="${dir}/cert.pem" defaultNetstreamDriverKeyFile="${dir}/key.pem"` : ''})`,
    `module(load="imtcp"${opts.tls ? ' streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"' : ''})`,
    `input(type="imtcp" address="127.0.0.1" port="${port}")`,
    'template(name="j" type="string" string="%jsonmesg%\\n")',
    `action(type="omfile" file="${out}" template="j" flushOnTXEnd="on" asyncWriting="off")`,
  ].join('\n');
  writeFileSync(join(dir, 'rsyslog.conf'), conf);
  const proc: ChildProcess = spawn('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslog.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`rsyslogd did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    tls: opts.tls,
    caPem,
    messages: () =>
      existsSync(out)
        ? readFileSync(out, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, string>)
        : [],
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
