import { SIGNATURE_MAX_SKEW_SECONDS } from '../contract/signing.js';
import { systemOp } from '../audit/recorder.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import { DomainError, unavailable } from '../kernel/errors.js';
import { sha256hex } from './tokens.js';

/**
 * Room for the nodes' clocks to disagree: a use is kept this much longer than the signature could
 * verify on the node that recorded it, so a node whose clock is behind still finds it.
 */
const CLOCK_MARGIN_MS = 60_000;
/** Expired uses removed per recorded use: more than one, so the table shrinks to what is still valid. */
const PRUNE_PER_USE = 4;

/**
 * Refuses a second use of a request signature, except a nonce-less GET the route lets repeat (the
 * SDK's timestamps are whole seconds and it sends no nonce, so two identical reads in one second are
 * byte-identical): a route answering without values or log content ('always'), or a value route
 * whose second use carries the X-E2E-Public-Key of the first (its answer is readable only with the
 * first caller's private key). Whoever replays such a request learns nothing the first caller did not.
 * A signature verifies for SIGNATURE_MAX_SKEW_SECONDS either side of its timestamp; within that
 * window a captured request could be sent again, so each accepted signature is recorded in the store (shared by every node) until it would no longer verify.
 */
export interface ReplayGuard {
  /**
   * Records the use of a verified signature; false when it was used before. Fail-closed: throws
   * audit_unavailable when the use cannot be recorded (a possible replay is not accepted).
   */
  firstUse(keyId: string, signature: string, timestampSeconds: number, repeat?: string | null): Promise<boolean>;
}

export function createReplayGuard(deps: { readonly uow: UnitOfWork; readonly clock: Clock }): ReplayGuard {
  const { uow, clock } = deps;
  return {
    async firstUse(keyId, signature, timestampSeconds, repeat = null) {
      const expiresAt = (timestampSeconds + SIGNATURE_MAX_SKEW_SECONDS) * 1000 + CLOCK_MARGIN_MS;
      try {
        // Its own small unit (the request's unit of work comes later): group-committed with the other
        // units of this event-loop turn, durable before the request goes on.
        return await uow.run(systemOp({ clock }), async (tx) => {
          const first = await tx.signatureUses.claim(keyId, sha256hex(signature), expiresAt);
          if (first) await tx.signatureUses.prune(clock().getTime(), PRUNE_PER_USE);
          if (repeat === null) return first;
          // A repeatable use also claims (signature, what it may repeat with). A later use is accepted
          // only if that row already existed: the first use was repeatable with the same binding (the
          // same route kind and the same X-E2E-Public-Key), never with another one.
          const bound = await tx.signatureUses.claim(keyId, sha256hex(`${signature}\n${repeat}`), expiresAt);
          return first || !bound;
        });
      } catch (e) {
        if (e instanceof DomainError) throw e;
        throw unavailable();
      }
    },
  };
}
