import { describe, expect, it } from 'vitest';
import { LruCache, numberedPlaceholders } from './db.js';

describe('the statement caches', () => {
  it('an LRU cache keeps the most recently used entries up to its bound', () => {
    const c = new LruCache<string, number>(3);
    for (const k of ['a', 'b', 'c']) c.set(k, k.charCodeAt(0));
    expect(c.get('a')).toBe(97); // a is now the most recent
    c.set('d', 100);
    expect(c.size).toBe(3);
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c'), c.get('d')]).toEqual([97, 99, 100]);
  });

  it('renumbers ? placeholders for PostgreSQL in order', () => {
    const n = numberedPlaceholders();
    expect(n('SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?')).toBe('SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) LIMIT $4');
    expect(n('SELECT 1')).toBe('SELECT 1');
  });
});
