import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/**
 * Serves the built WebApp (web/dist) at `/`: real files (hashed assets, favicon) as themselves and
 * every other non-API GET as index.html, so a deep link like /projects/x/audit-logs?outcome=Denied
 * loads the app, which then routes on the client. /api/* never falls back: an unknown API path
 * keeps the JSON 404 of the app's not-found handler.
 */
export interface WebStaticOptions {
  /** Absolute path of the built WebApp; null (or a directory without index.html) serves nothing */
  readonly webRoot: string | null | undefined;
}

/** Content-Security-Policy of the app shell: the bundle is self-hosted and uses no inline script. */
export const WEB_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** Returns whether the WebApp is served (false when it has not been built). */
export async function registerWebStatic(app: FastifyInstance, opts: WebStaticOptions): Promise<boolean> {
  const root = opts.webRoot ? resolve(opts.webRoot) : null;
  if (!root || !existsSync(resolve(root, 'index.html'))) return false;

  // serve:false: only reply.sendFile is added; our own catch-all decides what each path means.
  await app.register(fastifyStatic, { root, serve: false, index: false, wildcard: false });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = decodePath(req.url);
    if (path === null || path === '/api' || path.startsWith('/api/')) {
      reply.callNotFound();
      return reply;
    }
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    const file = fileUnder(root, path);
    if (file) {
      // Vite names assets by content hash, so they never change under the same name.
      const immutable = path.startsWith('/assets/');
      return reply.sendFile(file, { cacheControl: true, immutable, maxAge: immutable ? 31_536_000_000 : 0 });
    }
    reply.header('content-security-policy', WEB_CSP);
    // The shell must be revalidated so a new deploy's asset names are picked up at once.
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  };
  // accessBestEffort: the app shell still loads when the log store is down, so the page can say so.
  const routeOpts = { config: { accessBestEffort: true } };
  app.get('/', routeOpts, (req, reply) => handler(req, reply));
  app.get('/*', routeOpts, (req, reply) => handler(req, reply));
  return true;
}

/** The URL's path, percent-decoded; null when it is malformed (the caller answers 404). */
function decodePath(url: string): string | null {
  const q = url.indexOf('?');
  try {
    return decodeURIComponent(q < 0 ? url : url.slice(0, q));
  } catch {
    return null;
  }
}

/** A regular file inside root for this path (relative to root), or null; never escapes root. */
function fileUnder(root: string, path: string): string | null {
  if (path.includes('\0')) return null;
  const abs = resolve(root, `.${path}`);
  if (abs !== root && !abs.startsWith(root + sep)) return null;
  try {
    if (!statSync(abs).isFile()) return null;
  } catch {
    return null;
  }
  return abs.slice(root.length + 1);
}
