import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy the test controls, between the server under test and PostgreSQL. cut() resets every
 * open connection and refuses new ones (the database "goes away"); restore() lets traffic through again.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  restore(): void;
  /** Connections currently open through the proxy */
  open(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let up = true;
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    if (!up) {
      client.destroy();
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
    client.pipe(upstream);
    upstream.pipe(client);
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
  };
  return {
    port,
    cut,
    restore() {
      up = true;
    },
    open: () => pairs.size,
    close() {
      cut();
      return new Promise((res) => server.close(() => res()));
    },
  };
}
