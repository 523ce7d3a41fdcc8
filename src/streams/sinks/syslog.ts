import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { OutRecord } from '../formatters/types.js';
import { oneLine, SinkError, type SinkFactory } from './types.js';

/** The structured-data id: RFC 5612's documentation enterprise number until Bella Baxter has its own. */
export const SD_ID = 'bella@32473';
const BOM = '\uFEFF';
/** authpriv (10): notice for a success, warning for a refusal, info for a heartbeat. */
const pri = (r: OutRecord) => 10 * 8 + (r.kind === 'heartbeat' ? 6 : r.outcome === 'Denied' ? 4 : 5);
/** RFC 5424 §6.3.3: `"`, `\` and `]` are escaped inside PARAM-VALUE. */
const sdValue = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`);
const token = (s: string, max: number) => (s.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-');

/** One RFC 5424 message: header, the entry's fields as structured data, the formatted record as MSG. */
export function syslogMessage(r: OutRecord, o: { readonly hostname: string; readonly appName: string; readonly procId: string }): string {
  const e = r.entry;
  const params: [string, string | number | null | undefined][] = e
    ? [
        ['seq', e.seq], ['event', e.event], ['outcome', e.outcome], ['actorType', e.actor.type], ['actor', e.actor.email ?? e.actor.name],
        ['ip', e.actor.ip], ['project', e.projectSlug], ['environment', e.environmentSlug], ['resource', e.resource],
        ['requestId', e.requestId], ['reason', e.reason],
      ]
    : [['lastSeq', r.seq], ['event', 'Heartbeat']];
  const sd = `[${SD_ID}${params
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ` ${k}="${sdValue(String(v))}"`)
    .join('')}]`;
  const msg = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  return `<${pri(r)}>1 ${new Date(r.time).toISOString()} ${token(o.hostname, 255)} ${token(o.appName, 48)} ${token(o.procId, 128)} ${token(r.event, 32)} ${sd} ${BOM}${msg}`;
}

/** RFC 6587 §3.4.1 / RFC 5425 §4.3 octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes. */
export const octetFrame = (m: string) => `${Buffer.byteLength(m, 'utf8')} ${m}`;

/**
 * Syslog over TCP, or TLS (RFC 5425), octet-counted RFC 5424 messages on one kept connection. A batch
 * counts as delivered once its bytes are handed to the connection (syslog has no application
 * acknowledgement); a broken connection is reopened and the batch resent.
 */
export const syslogSink: SinkFactory<'syslog'> = (c, deps) => {
  let socket: Socket | null = null;
  const procId = String(process.pid);
  const open = (signal: AbortSignal) =>
    new Promise<Socket>((resolve, reject) => {
      const s = c.tls
        ? tlsConnect({ host: c.host, port: c.port, ...(c.serverName || !isIP(c.host) ? { servername: c.serverName ?? c.host } : {}), ...(c.caCert ? { ca: c.caCert } : {}) })
        : tcpConnect({ host: c.host, port: c.port });
      const fail = (e: Error) => {
        s.destroy();
        reject(new SinkError(`syslog ${c.host}:${c.port}: ${oneLine(e.message)}`, false));
      };
      const onAbort = () => fail(new Error('no connection before the timeout'));
      signal.addEventListener('abort', onAbort, { once: true });
      s.once('error', fail);
      s.once(c.tls ? 'secureConnect' : 'connect', () => {
        signal.removeEventListener('abort', onAbort);
        s.removeListener('error', fail);
        s.on('error', () => undefined);
        s.once('close', () => {
          if (socket === s) socket = null;
        });
        s.setKeepAlive(true);
        resolve(s);
      });
    });
  return {
    maxRecords: 500,
    maxBytes: 1_000_000,
    async send(records, signal) {
      if (!socket || socket.destroyed) socket = await open(signal);
      const s = socket;
      const data = records.map((r) => octetFrame(syslogMessage(r, { hostname: deps.hostname, appName: c.appName ?? 'bella', procId }))).join('');
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          s.destroy();
          reject(new SinkError(`syslog ${c.host}:${c.port}: the connection did not take the batch before the timeout`, false));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        s.write(data, 'utf8', (e) => {
          signal.removeEventListener('abort', onAbort);
          if (e) {
            s.destroy();
            reject(new SinkError(`syslog ${c.host}:${c.port}: ${oneLine(e.message)}`, false));
          } else resolve();
        });
      });
    },
    async close() {
      socket?.end();
      socket = null;
    },
  };
};
