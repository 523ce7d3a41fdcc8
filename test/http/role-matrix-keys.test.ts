import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLERS } from './role-fixtures.js';
import { checkRow, matrixWorld, type MatrixWorld } from './role-matrix-world.js';

/** Every API-key caller of docs/roles.md × every HTTP operation, sent HMAC-signed. */
describe('the role matrix for API keys, over HTTP', () => {
  let w: MatrixWorld;
  beforeAll(async () => {
    w = await matrixWorld();
  });
  afterAll(async () => w.t.close());

  const keys = CALLERS.filter((c) => c.apiKey).map((c) => c.label);
  it.each(keys)('%s is allowed or Denied exactly as docs/roles.md says, and every Denied auditable action is audited with its reason', async (label) => {
    expect(await checkRow(w, label)).toEqual([]);
  });
});
