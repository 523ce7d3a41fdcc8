import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode } from '../../src/http/errors.js';

/** Rows `| code | status | meaning |` of the "## Errors" section of docs/api.md. */
function documentedErrors(): Map<string, number> {
  const text = readFileSync(fileURLToPath(new URL('../../docs/api.md', import.meta.url)), 'utf8');
  const start = text.search(/^## Errors\s*$/m);
  if (start < 0) throw new Error('docs/api.md has no "## Errors" section');
  const rest = text.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const rows = new Map<string, number>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*`?([a-z_]+)`?\s*\|\s*(\d{3})\s*\|/.exec(line);
    if (m) rows.set(m[1] as string, Number(m[2]));
  }
  return rows;
}

// Not per store: no server runs here, only code against docs, so there is no store to loop over.
describe('the error catalogue and docs/api.md', () => {
  const codes = Object.keys(ERROR_CATALOG) as ErrorCode[];

  it.each(codes)('%s is documented under "## Errors" with its HTTP status', (code) => {
    const documented = documentedErrors();
    expect(documented.get(code), `docs/api.md "## Errors" has no row | ${code} | ${ERROR_CATALOG[code].status} |`).toBe(ERROR_CATALOG[code].status);
  });

  it('documents no code that the server does not have', () => {
    expect([...documentedErrors().keys()].filter((c) => !(c in ERROR_CATALOG))).toEqual([]);
  });
});
