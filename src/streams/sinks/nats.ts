import { connect, type NatsConnection } from 'nats';
import { oneLine, SinkError, type SinkFactory } from './types.js';

const enc = new TextEncoder();

/** Errors that resending cannot fix: wrong credentials, no JetStream stream capturing the subject. */
function classify(e: unknown): SinkError {
  const err = e as { code?: string; message?: string };
  const msg = oneLine(err.message ?? String(e));
  if (err.code === 'AUTHORIZATION_VIOLATION' || /authorization/i.test(msg)) return new SinkError(`NATS refused the credentials: ${msg}`, true);
  if (err.code === '503') return new SinkError('NATS JetStream: no stream captures this subject (no responders); create one for it', true);
  return new SinkError(`NATS JetStream: ${msg}`, false);
}

/**
 * NATS JetStream: each record is published to the subject with the message id (Nats-Msg-Id) set to
 * its seq, so JetStream's duplicate window drops a resend; delivered once every publish is
 * acknowledged by the stream. Publishes of a batch are pipelined on one connection, which keeps
 * their order.
 */
export const natsSink: SinkFactory<'nats'> = (c, deps) => {
  let nc: NatsConnection | null = null;
  const open = async () => {
    if (nc && !nc.isClosed()) return nc;
    try {
      nc = await connect({
        servers: c.servers.split(','),
        name: `bella-stream-${deps.stream.name}`,
        timeout: 5000,
        reconnect: true,
        maxReconnectAttempts: -1,
        ...(c.token ? { token: c.token } : {}),
        ...(c.user ? { user: c.user, pass: c.password ?? '' } : {}),
      });
      return nc;
    } catch (e) {
      throw classify(e);
    }
  };
  return {
    maxRecords: 500,
    maxBytes: 4_000_000,
    async send(records, signal) {
      const conn = await open();
      const js = conn.jetstream();
      const aborted = new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(new SinkError('NATS JetStream: no publish acknowledgement before the timeout', false)), { once: true }),
      );
      aborted.catch(() => undefined);
      try {
        await Promise.race([
          Promise.all(
            records.map((r) =>
              js.publish(c.subject, enc.encode(typeof r.body === 'string' ? r.body : JSON.stringify(r.body)), {
                msgID: r.kind === 'entry' ? String(r.seq) : `heartbeat-${r.time}`,
                timeout: 10_000,
              }),
            ),
          ),
          aborted,
        ]);
      } catch (e) {
        throw e instanceof SinkError ? e : classify(e);
      }
    },
    async close() {
      const n = nc;
      nc = null;
      await n?.close().catch(() => undefined);
    },
  };
};
