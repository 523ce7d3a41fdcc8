import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy the test controls, between the server under test and PostgreSQL. cut() resets every
 * open connection and refuses new ones (the database "goes away"); restore() lets traffic through again.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  /** The network goes silent: connections stay open but no byte passes either way (no reset) */
  stall(): void;
  restore(): void;
  /** Connections currently open through the proxy */
  open(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let up = true;
  let stalled = false;
  const pairs = new Set<[Socket, Socket]>();
  const held = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    if (stalled) {
      // Accept and say nothing, like a black-holed route.
      held.add(client);
      client.on('error', () => undefined).on('close', () => held.delete(client));
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (b) => stalled || upstream.write(b));
    upstream.on('data', (b) => stalled || client.write(b));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const cut = () => {
    up = false;
      // resetAndDestroy sends RST: both ends see the connection die at once, as on a network failure.
    for (const [a, b] of pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    pairs.clear();
    for (const h of held) h.resetAndDestroy();
    held.clear();
  };
  return {
    port,
    cut,
    stall() {
      stalled = true;
    },
    restore() {
      // Connections that saw bytes vanish are unusable: reset them, as a recovering network would.
      if (stalled) cut();
      stalled = false;
      up = true;
    },
    open: () => pairs.size,
    close() {
      cut();
      return new Promise((res) => server.close(() => res()));
    },
  };
}
