import { afterEach, beforeEach, describe } from 'vitest';
import { accessLogConformance } from './conformance/access-log.conformance.js';
import { apiKeysConformance } from './conformance/api-keys.conformance.js';
import { auditLogConformance } from './conformance/audit-log.conformance.js';
import { auditTreeConformance } from './conformance/audit-tree.conformance.js';
import type { StoreFixture } from './conformance/fixtures.js';
import { issuedTokensConformance } from './conformance/issued-tokens.conformance.js';
import { lifecycleConformance } from './conformance/lifecycle.conformance.js';
import { loginAttemptsConformance } from './conformance/login-attempts.conformance.js';
import { membersConformance } from './conformance/members.conformance.js';
import { projectsConformance } from './conformance/projects.conformance.js';
import { secretsConformance } from './conformance/secrets.conformance.js';
import { settingsConformance } from './conformance/settings.conformance.js';
import { personalConformance } from './conformance/personal.conformance.js';
import { streamsConformance } from './conformance/streams.conformance.js';
import { signatureUsesConformance } from './conformance/signature-uses.conformance.js';
import { unitOfWorkConformance } from './conformance/unit-of-work.conformance.js';
import { usersConformance } from './conformance/users.conformance.js';
import type { Store } from './types.js';

// Helpers other tests import from here (src/audit/retention.test.ts, test/pg/*).
export { T0, accessDraft, auditDraft, type ConformanceContext, type GetContext, type StoreFixture } from './conformance/fixtures.js';

/**
 * The one conformance suite every Store adapter passes: one file per port under conformance/, each
 * registering its tests given the fixture getter. `makeFixture` gives each test its own empty
 * database, so tests are independent and seq values start at 1.
 */
export function runStoreConformance(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`Store conformance: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    beforeEach(async () => {
      fx = await makeFixture();
      store = fx.open();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
      await fx.cleanup();
    });
    const ctx = () => ({ store, fx });

    lifecycleConformance(ctx);
    unitOfWorkConformance(ctx);
    usersConformance(ctx);
    projectsConformance(ctx);
    membersConformance(ctx);
    secretsConformance(ctx);
    apiKeysConformance(ctx);
    settingsConformance(ctx);
    personalConformance(ctx);
    streamsConformance(ctx);
    loginAttemptsConformance(ctx);
    signatureUsesConformance(ctx);
    issuedTokensConformance(ctx);
    auditLogConformance(ctx);
    accessLogConformance(ctx);
    auditTreeConformance(ctx);
  });
}
