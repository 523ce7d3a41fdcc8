import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';

/** Waits until the server closes the socket; resolves with the ms it took and what it answered. */
function closedBy(sock: Socket, started: number): Promise<{ ms: number; answer: string }> {
  let answer = '';
  sock.on('data', (d) => (answer += d.toString('latin1')));
  return new Promise((res) => sock.on('close', () => res({ ms: Date.now() - started, answer })));
}

/**
 * Slow clients are cut off: a real server process (its real HTTP server and timers) with short
 * limits. Not per store: the limits live in the HTTP server, before any store is involved.
 */
describe('slow clients are cut off while a normal one is served', () => {
  let srv: ServerProcess;
  beforeAll(async () => {
    srv = await startServerProcess({
      env: { BELLA_HEADERS_TIMEOUT_MS: '1000', BELLA_REQUEST_TIMEOUT_MS: '2000', BELLA_IDLE_TIMEOUT_MS: '3000', BELLA_KEEP_ALIVE_TIMEOUT_MS: '500' },
    });
  });
  afterAll(async () => {
    await srv.stop();
    removeDataDir(srv.dataDir);
  });

  const open = () => new Promise<Socket>((res) => { const s = connect(srv.port, '127.0.0.1', () => res(s)); });
  /** Sends `text` one byte every `everyMs` until the socket closes. */
  const trickle = (s: Socket, text: string, everyMs: number) => {
    let i = 0;
    const timer = setInterval(() => {
      if (s.destroyed || i >= text.length) return clearInterval(timer);
      s.write(text[i++] as string);
    }, everyMs);
    s.on('close', () => clearInterval(timer));
  };

  it('headers trickled one byte every 300 ms are cut off within the headers timeout (408), not kept open', async () => {
    const s = await open();
    const done = closedBy(s, Date.now());
    trickle(s, `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Pad: a\r\n'.repeat(50)}\r\n`, 300);
    const { ms, answer } = await done;
    expect(ms).toBeLessThan(4000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a body trickled one byte every 300 ms is cut off within the request timeout', async () => {
    const s = await open();
    const done = closedBy(s, Date.now());
    s.write('PUT /api/v1/projects/p/environments/e/secrets/K HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n');
    trickle(s, `{"value":"${'a'.repeat(80)}"}`, 300);
    const { ms } = await done;
    expect(ms).toBeLessThan(5000);
  });

  it('a connection that sends nothing is closed (it never completes its headers)', async () => {
    const s = await open();
    const { ms } = await closedBy(s, Date.now());
    expect(ms).toBeLessThan(6000);
  });

  /** Sends raw bytes and resolves with the whole answer once the server closes the socket. */
  const raw = async (bytes: string) => {
    const s = await open();
    const done = closedBy(s, Date.now());
    s.write(bytes);
    return (await done).answer;
  };
  const accessRowOf = async (answer: string) => {
    const id = /\r\nX-Request-Id: ([^\r]+)\r\n/i.exec(answer)?.[1];
    expect(id, answer).toBeTruthy();
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { requestId: id } });
    const token = await srv.login();
    const r = await srv.request('GET', `/api/v1/access-logs?requestId=${id}`, { token });
    return (r.json() as { entries: { status: number; method: string; path: string }[] }).entries;
  };

  it('headers over 16 KiB get a 431 in the envelope, with a request id and an access row', async () => {
    const answer = await raw(`GET /api/v1/projects?token=abc HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(await accessRowOf(answer)).toMatchObject([{ status: 431, method: 'GET', path: '/api/v1/projects?token=' }]);
  });

  it('a request that is not HTTP gets a 400 in the envelope, with a request id and an access row', async () => {
    const answer = await raw('HELLO THERE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(await accessRowOf(answer)).toMatchObject([{ status: 400, method: '-', path: '-' }]);
  });

  it('meanwhile a normal client is answered', async () => {
    const slow = await open();
    trickle(slow, 'GET /healthz HTTP/1.1\r\n', 400);
    const r = await srv.request('GET', '/readyz');
    expect(r.status).toBe(200);
    slow.destroy();
  });
});
