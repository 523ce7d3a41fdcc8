import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { E2EE_HEADER, encryptFor, parseE2EPublicKey } from '../contract/e2ee.js';
import { DomainError } from '../kernel/errors.js';

/**
 * The caller's X-E2E-Public-Key, or null when it sent none. Read before any value is, so a malformed
 * key is a 400 and no read is recorded for values that never left.
 */
export function e2eKeyOf(req: FastifyRequest): KeyObject | null {
  const h = req.headers[E2EE_HEADER];
  if (h === undefined) return null;
  const parsed = typeof h === 'string' ? parseE2EPublicKey(h.trim()) : { error: 'send one X-E2E-Public-Key header' };
  if ('error' in parsed) throw new DomainError('validation_failed', `headers: ${parsed.error}`);
  return parsed.key;
}

/**
 * A response carrying values: encrypted to the caller's key when it sent one. Never cached by anyone
 * in between either way.
 */
export function valuesBody<T>(reply: FastifyReply, key: KeyObject | null, body: T): unknown {
  reply.header('cache-control', 'no-store');
  return key ? encryptFor(key, body) : body;
}
