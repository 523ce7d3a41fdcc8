import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../kernel/errors.js';

/**
 * Opaque keyset cursors: the seq to continue below, signed with a server key so a client cannot forge
 * one (a forged or altered cursor is a 400, never a query with an arbitrary bound).
 */
export function encodeCursor(key: Buffer, log: 'audit' | 'access', seq: number): string {
  const body = Buffer.from(JSON.stringify({ l: log, s: seq })).toString('base64url');
  const tag = createHmac('sha256', key).update(body).digest('base64url').slice(0, 22);
  return `${body}.${tag}`;
}

export function decodeCursor(key: Buffer, log: 'audit' | 'access', cursor: string): number {
  const bad = () => new DomainError('invalid_cursor', 'cursor is not valid: pass back the nextCursor of a previous page unchanged');
  const [body, tag] = cursor.split('.');
  if (!body || !tag || cursor.split('.').length !== 2) throw bad();
  const expected = createHmac('sha256', key).update(body).digest('base64url').slice(0, 22);
  // Compared as bytes: a tag of as many characters but non-ASCII ones has another byte length.
  const given = Buffer.from(tag, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) throw bad();
  try {
    const v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { l?: unknown; s?: unknown };
    if (v.l !== log || typeof v.s !== 'number' || !Number.isSafeInteger(v.s) || v.s < 1) throw bad();
    return v.s;
  } catch {
    throw bad();
  }
}
