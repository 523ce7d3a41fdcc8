import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { REPO_ROOT } from '../helpers/process.js';

/**
 * The origin the browser tests open. When bella-server serves the WebApp itself (web-static wired
 * into buildApp) that is the server's own URL. Until then, a small same-origin front serves
 * web/dist and passes /api through to the server process untouched, so the page still talks to the
 * real API with the same paths and headers.
 */
export const WEB_DIST = join(REPO_ROOT, 'web', 'dist');

export interface WebOrigin {
  readonly url: string;
  /** true when bella-server served the app itself */
  readonly direct: boolean;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
};

export async function openWebOrigin(serverUrl: string): Promise<WebOrigin> {
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error('web/dist is missing: build the WebApp first (npm run build:web)');
  const probe = await fetch(`${serverUrl}/projects/probe/audit-logs`);
  if (probe.status === 200 && (probe.headers.get('content-type') ?? '').includes('text/html')) {
    return { url: serverUrl, direct: true, close: async () => {} };
  }
  const target = new URL(serverUrl);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (path.startsWith('/api/') || path === '/healthz' || path === '/readyz') {
      const up = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(up);
      return;
    }
    const root = resolve(WEB_DIST);
    const abs = resolve(root, `.${decodeURIComponent(path)}`);
    const isFile = abs.startsWith(root + sep) && existsSync(abs) && statSync(abs).isFile();
    const file = isFile ? abs : join(root, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    direct: false,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
