import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLERS } from './role-fixtures.js';
import { checkRow, matrixWorld, type MatrixWorld } from './role-matrix-world.js';

/** Every user caller of docs/roles.md × every HTTP operation, through real requests. */
describe('the role matrix for users, over HTTP', () => {
  let w: MatrixWorld;
  beforeAll(async () => {
    w = await matrixWorld();
  });
  afterAll(async () => w.t.close());

  const users = CALLERS.filter((c) => !c.apiKey).map((c) => c.label);
  it.each(users)('%s is allowed or Denied exactly as docs/roles.md says, and every Denied auditable action is audited with its reason', async (label) => {
    expect(await checkRow(w, label)).toEqual([]);
  });
});
