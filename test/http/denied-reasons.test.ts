import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DENIED_REASONS } from '../../src/kernel/errors.js';
import { REPO_ROOT } from '../helpers/process.js';

/** Reasons in the table after the `denied-reasons` marker of docs/api.md. */
function documentedReasons(): string[] {
  const text = readFileSync(join(REPO_ROOT, 'docs/api.md'), 'utf8');
  const at = text.indexOf('<!-- denied-reasons');
  if (at < 0) throw new Error('docs/api.md has no denied-reasons table');
  const rows: string[] = [];
  for (const line of text.slice(at).split('\n').slice(1)) {
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    const m = /^\|\s*`([a-z_]+)`\s*\|/.exec(line);
    if (m) rows.push(m[1] as string);
  }
  return rows;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.ts$/.test(n) && !/\.test\.ts$/.test(n) ? [p] : [];
  });
}

// Code against docs only: no server, so no store to loop over.
describe('the Denied reasons', () => {
  it('docs/api.md lists exactly the reasons of the catalogue', () => {
    expect(documentedReasons()).toEqual(Object.keys(DENIED_REASONS));
  });

  it('every reason of the catalogue is given somewhere in src/ (no documented reason the server never writes)', () => {
    const code = sources(join(REPO_ROOT, 'src'))
      .filter((f) => !f.endsWith(join('kernel', 'errors.ts')))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys(DENIED_REASONS).filter((r) => !code.includes(`'${r}'`));
    expect(unused).toEqual([]);
  });
});
