import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './errors.js';

/** The per-directory context file written by `bella context init`. */
export const CONTEXT_FILE = '.bella';

export interface ContextFile {
  readonly path: string;
  readonly project: string | null;
  readonly environment: string | null;
}

const LINE_RE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/;

/**
 * Parses the small TOML subset `.bella` uses: `key = "value"` lines, blank lines and # comments.
 * Unknown keys are ignored so later versions can add some; malformed lines are an error naming the line.
 */
export function parseContextFile(text: string, path: string): ContextFile {
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE_RE.exec(line);
    if (!m) {
      throw new CliError(EXIT.usage, `${path}:${i + 1}: expected key = "value"`, 'Fix the line or rewrite the file with `bella context init PROJECT ENVIRONMENT --force`.');
    }
    values.set(m[1] as string, (m[2] as string).replace(/\\(.)/g, '$1'));
  });
  return { path, project: values.get('project') ?? null, environment: values.get('environment') ?? null };
}

export function renderContextFile(project: string, environment: string | null): string {
  const lines = [`project = ${JSON.stringify(project)}`];
  if (environment !== null) lines.push(`environment = ${JSON.stringify(environment)}`);
  return `${lines.join('\n')}\n`;
}

/** Finds the nearest `.bella` walking up from `start` to the filesystem root. */
export function findContextFile(start: string): ContextFile | null {
  let dir = start;
  for (;;) {
    const candidate = join(dir, CONTEXT_FILE);
    if (existsSync(candidate)) return parseContextFile(readFileSync(candidate, 'utf8'), candidate);
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
