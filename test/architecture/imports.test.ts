import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/process.js';

/**
 * The layering rule of docs/architecture.md, checked on every import of src/ and web/src/.
 * A layer is the first folder under src/ (or `web`); `root` is src/*.ts (the composition root).
 */
export const LAYERS = {
  contract: ['contract'],
  kernel: ['kernel', 'contract', 'store'],
  store: ['store', 'contract', 'kernel', 'integrity'],
  integrity: ['integrity'],
  audit: ['audit', 'contract', 'kernel', 'store', 'identity', 'projects', 'workers', 'secrets', 'integrity'],
  access: ['access', 'audit', 'contract', 'kernel', 'store'],
  identity: ['identity', 'contract', 'kernel', 'store', 'secrets', 'projects', 'audit'],
  projects: ['projects', 'contract', 'kernel', 'store', 'identity', 'secrets', 'audit'],
  secrets: ['secrets', 'contract', 'kernel', 'store', 'projects', 'audit'],
  ssh: ['ssh', 'contract', 'kernel', 'store', 'projects', 'secrets', 'audit'],
  workers: ['workers', 'kernel', 'contract'],
  streams: ['streams', 'contract', 'kernel', 'store', 'audit', 'identity', 'secrets', 'workers'],
  reports: ['reports', 'contract', 'kernel', 'store', 'audit', 'identity', 'projects', 'secrets', 'integrity'],
  http: ['http', 'contract', 'kernel', 'store', 'audit', 'access', 'identity', 'projects', 'secrets', 'ssh', 'workers', 'streams', 'reports', 'root'],
  cli: ['cli', 'contract', 'integrity'],
  root: ['root', 'contract', 'kernel', 'store', 'audit', 'access', 'identity', 'projects', 'secrets', 'ssh', 'workers', 'http', 'integrity', 'streams', 'reports'],
  web: ['web', 'contract'],
} as const satisfies Record<string, readonly string[]>;
export type Layer = keyof typeof LAYERS;

/** The domain folders: only their `*-routes.ts` files may import Fastify or src/http/. */
const DOMAINS: ReadonlySet<string> = new Set(['reports', 'audit', 'access', 'identity', 'projects', 'secrets', 'ssh', 'workers', 'integrity', 'kernel', 'store', 'contract', 'streams']);
const HTTP_PACKAGES = /^(fastify|@fastify\/|fastify-)/;

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

export function layerOf(file: string): Layer | null {
  const rel = relative(REPO_ROOT, file).split(sep);
  if (rel[0] === 'web' && rel[1] === 'src') return 'web';
  if (rel[0] !== 'src') return null;
  if (rel.length === 2) return 'root';
  return (rel[1] as string) in LAYERS ? (rel[1] as Layer) : null;
}

/** The rule's violations in one file's text, as `file → specifier (why)` strings. */
export function violations(file: string, code: string): string[] {
  const from = layerOf(file);
  if (!from) return [`${relative(REPO_ROOT, file)}: a folder the layering rule does not know (add it to LAYERS and docs/architecture.md)`];
  const routesFile = /-routes\.ts$/.test(file);
  const out: string[] = [];
  for (const m of code.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2]) as string;
    const where = `${relative(REPO_ROOT, file)} → ${spec}`;
    if (!spec.startsWith('.')) {
      if (DOMAINS.has(from) && !routesFile && HTTP_PACKAGES.test(spec)) out.push(`${where} (only *-routes.ts files of a domain may import Fastify)`);
      continue;
    }
    const resolved = resolve(dirname(file), spec);
    const target = layerOf(resolved);
    // Tests beside the code may use the shared test harness.
    if (!target && /\.test\.tsx?$/.test(file) && relative(REPO_ROOT, resolved).startsWith(`test${sep}`)) continue;
    if (!target) {
      out.push(`${where} (outside src/)`);
      continue;
    }
    if (target === 'http' && DOMAINS.has(from) && routesFile) continue;
    if (!(LAYERS[from] as readonly string[]).includes(target)) out.push(`${where} (${from} may import ${LAYERS[from].join(', ')})`);
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(p);
    return /\.tsx?$/.test(name) ? [p] : [];
  });
}

describe('the layering rule (docs/architecture.md)', () => {
  it('would catch a domain service importing Fastify or src/http/, and a CLI importing the server', () => {
    const svc = join(REPO_ROOT, 'src/secrets/secret-service.ts');
    expect(violations(svc, "import type { FastifyRequest } from 'fastify';")).toHaveLength(1);
    expect(violations(svc, "import { opOf } from '../http/op.js';")).toHaveLength(1);
    expect(violations(svc, "import { x } from '../kernel/context.js';\nimport { y } from '../store/ports.js';")).toEqual([]);
    const routes = join(REPO_ROOT, 'src/secrets/secret-routes.ts');
    expect(violations(routes, "import type { FastifyInstance } from 'fastify';\nimport { opOf } from '../http/op.js';")).toEqual([]);
    expect(violations(join(REPO_ROOT, 'src/cli/program.ts'), "import { createServer } from '../server.js';")).toHaveLength(1);
    expect(violations(join(REPO_ROOT, 'src/store/ports.ts'), "const m = await import('../audit/committer.js');")).toHaveLength(1);
    expect(violations(join(REPO_ROOT, 'web/src/app.tsx'), "import { x } from '../../src/http/app.js';")).toHaveLength(1);
  });

  it('every import of src/ and web/src/ follows it', () => {
    const files = [...sources(join(REPO_ROOT, 'src')), ...sources(join(REPO_ROOT, 'web/src'))];
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => violations(f, readFileSync(f, 'utf8')))).toEqual([]);
  });
});
