import { SIGNATURE_MAX_SKEW_SECONDS } from '../contract/signing.js';
import type { Clock } from '../kernel/clock.js';
import { unauthenticated } from '../kernel/errors.js';
import type { Principal } from '../kernel/context.js';
import type { StoreTx } from '../store/ports.js';
import { sha256hex } from './tokens.js';

/**
 * Room for the nodes' clocks to disagree: a use is kept this much longer than the signature could
 * verify on the node that recorded it, so a node whose clock is behind still finds it.
 */
const CLOCK_MARGIN_MS = 60_000;
/** Expired uses removed per recorded use: more than one, so the table shrinks to what is still valid. */
const PRUNE_PER_USE = 4;

/** The refusal of a signature used before (401 signature_replayed), recorded under the key that sent it. */
export function replayed(actor: Principal['actor']): Error {
  return Object.assign(unauthenticated('this signed request was already used: a signature is accepted once, so sign each request afresh', 'signature_replayed'), { actor });
}

/**
 * Refuses a second use of a request signature, except a nonce-less GET the route lets repeat (the
 * SDK's timestamps are whole seconds and it sends no nonce, so two identical reads in one second are
 * byte-identical): a route answering without values or log content ('always'), or a value route
 * whose second use carries the X-E2E-Public-Key of the first (its answer is readable only with the
 * first caller's private key). Whoever replays such a request learns nothing the first caller did not.
 * A signature verifies for SIGNATURE_MAX_SKEW_SECONDS either side of its timestamp; within that
 * window a captured request could be sent again, so each accepted signature is recorded in the store
 * (shared by every node) until it would no longer verify.
 *
 * The use is recorded inside the request's own unit of work (the first one it commits: its change, or
 * at the end its audit and access rows), so a signed request costs one group commit like any other.
 * Of two uses, on any node, exactly one inserts the row; the other's unit rolls back whole (nothing it
 * did happens, no value leaves) and the request is answered 401 signature_replayed.
 */
export interface ReplayGuard {
  /**
   * The claim of a verified signature, to run in the request's first unit of work: rejects with
   * `replayed(actor)` when the signature was used before.
   */
  claim(keyId: string, signature: string, timestampSeconds: number, repeat: string | null, actor: Principal['actor']): (tx: StoreTx) => Promise<void>;
}

export function createReplayGuard(deps: { readonly clock: Clock }): ReplayGuard {
  const { clock } = deps;
  return {
    claim(keyId, signature, timestampSeconds, repeat, actor) {
      const expiresAt = (timestampSeconds + SIGNATURE_MAX_SKEW_SECONDS) * 1000 + CLOCK_MARGIN_MS;
      const hash = sha256hex(signature);
      return async (tx) => {
        const first = await tx.signatureUses.claim(keyId, hash, expiresAt);
        if (first) await tx.signatureUses.prune(clock().getTime(), PRUNE_PER_USE);
        if (repeat === null) {
          if (!first) throw replayed(actor);
          return;
        }
        // A repeatable use also claims (signature, what it may repeat with). A later use is accepted
        // only if that row already existed: the first use was repeatable with the same binding (the
        // same route kind and the same X-E2E-Public-Key), never with another one.
        const bound = await tx.signatureUses.claim(keyId, sha256hex(`${signature}\n${repeat}`), expiresAt);
        if (!(first || !bound)) throw replayed(actor);
      };
    },
  };
}
