import { describe, expect, it } from 'vitest';
import { ACTIONS, decide } from '../../src/identity/authorize.js';
import { CALLERS, factsFor, parseRolesDoc } from './role-fixtures.js';

// Not per store: no server runs here, only code against docs, so there is no store to loop over.
describe('docs/roles.md', () => {
  const doc = parseRolesDoc();

  it('has one row per caller and one column per action of authorize.ts', () => {
    expect([...doc.keys()]).toEqual(CALLERS.map((c) => c.label));
    for (const row of doc.values()) expect([...row.keys()]).toEqual([...ACTIONS]);
  });

  it.each(CALLERS.map((c) => [c.label, c] as const))('the row "%s" says exactly what decide() returns', (_label, caller) => {
    const row = doc.get(caller.label);
    expect(row).toBeDefined();
    for (const action of ACTIONS) {
      const d = decide(factsFor(caller, action), action);
      const cell = row?.get(action);
      expect({ action, cell }).toEqual({ action, cell: d.allowed ? { allowed: true } : { allowed: false, reason: d.reason } });
    }
  });
});
