import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A network link with latency between Bella and PostgreSQL, for benchmark 10's "database with
 * headroom" case: a database on another host answers after a round trip, so one node's committer
 * waits on the link and the database has capacity to spare for a second node. Every byte is held
 * `delayMs` in each direction, in order (a FIFO per direction); nothing else changes.
 *
 * It runs as a process of its own (`startDelayLink`), so forwarding does not take CPU from the event
 * loop of the stores under test. Run directly: `node dist/bench/delay-link.js <listen> <target> <ms>`.
 */

function forward(from: Socket, to: Socket, delayMs: number): void {
  const queue: { due: number; data: Buffer }[] = [];
  let timer: NodeJS.Timeout | null = null;
  const drain = () => {
    timer = null;
    const now = performance.now();
    // setTimeout fires no earlier than asked, to the millisecond: 0.2 ms of slack keeps a chunk from
    // waiting a whole extra tick.
    while (queue.length > 0 && (queue[0] as { due: number }).due <= now + 0.2) to.write((queue.shift() as { data: Buffer }).data);
    if (queue.length > 0) timer = setTimeout(drain, Math.max(0, (queue[0] as { due: number }).due - now));
  };
  from.on('data', (data: Buffer) => {
    queue.push({ due: performance.now() + delayMs, data });
    if (!timer) timer = setTimeout(drain, delayMs);
  });
}

function serve(listenPort: number, targetPort: number, delayMs: number): void {
  const server = createServer((client) => {
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream, delayMs);
    forward(upstream, client, delayMs);
  });
  server.listen(listenPort, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
  });
}

export interface DelayLink {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the link in a child process on a free loopback port, in front of 127.0.0.1:targetPort. */
export async function startDelayLink(targetPort: number, delayMs: number): Promise<DelayLink> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '0', String(targetPort), String(delayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`delay link exited with ${code}`)));
  });
  return {
    port,
    pid: child.pid as number,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [listen, target, delay] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(listen) || !Number.isInteger(target) || !(Number(delay) >= 0)) {
    process.stderr.write('usage: delay-link <listen port|0> <target port> <delay ms each way>\n');
    process.exit(2);
  }
  serve(listen as number, target as number, delay as number);
}
