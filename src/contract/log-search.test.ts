import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, OUTCOMES } from './events.js';
import { HTTP_METHODS } from './log-query.js';
import { parseLogSearch, printLogSearch, resolveCreated, SEARCH_KEYS, type LogSearch, type SearchTerm } from './log-search.js';

const ok = (q: string): LogSearch => {
  const r = parseLogSearch(q);
  if (!r.ok) throw new Error(`${q}: ${r.error.message}`);
  return r.query;
};
const err = (q: string, log?: 'audit' | 'access') => {
  const r = parseLogSearch(q, log);
  if (r.ok) throw new Error(`${q} parsed`);
  return r.error;
};

// Free text: printable characters, including the ones the syntax gives a meaning (space , " * \ - :).
const text = fc.string({ unit: fc.constantFrom(...'aZ09_-.:@/ ,"*\\é'.split('')), minLength: 1, maxLength: 12 });
const value = (prefix: boolean) => fc.record({ text, prefix: prefix ? fc.boolean() : fc.constant(false) });
const slug = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const list = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: 1, maxLength: 3 });
const plain = (a: fc.Arbitrary<string>) => a.map((t) => ({ text: t, prefix: false }));
const time = fc.constantFrom('2026-03-01', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00.123+02:00', '-24h', '-7d', '30m');
const field = (key: string, values: fc.Arbitrary<{ text: string; prefix: boolean }[]>) =>
  fc.record({ kind: fc.constant('field' as const), key: fc.constant(key), negated: fc.boolean(), values });

const term: fc.Arbitrary<SearchTerm> = fc.oneof(
  field('actor', list(value(false))),
  field('event', list(plain(fc.constantFrom(...EVENT_TYPES)))),
  field('outcome', list(plain(fc.constantFrom(...OUTCOMES)))),
  field('environment', list(plain(slug))),
  field('project', list(plain(slug))),
  field('resource', list(value(true))),
  field('path', list(value(true))),
  field('method', list(plain(fc.constantFrom(...HTTP_METHODS)))),
  field('status', list(plain(fc.integer({ min: 100, max: 599 }).map(String)))),
  field('ip', list(plain(fc.constantFrom('10.0.0.0/8', '192.168.1.7', '::1', '2001:db8::1')))),
  field('request', list(plain(fc.stringMatching(/^[0-9a-f-]{8,36}$/)))),
  fc.record({ kind: fc.constant('word' as const), negated: fc.boolean(), value: value(true) }),
  fc.record({
    kind: fc.constant('created' as const),
    range: fc.oneof(
      fc.record({ op: fc.constantFrom('>' as const, '>=' as const, '<' as const, '<=' as const), value: time }),
      fc.record({ op: fc.constant('=' as const), value: fc.constantFrom('2026-03-01', '2024-02-29') }),
      fc.record({ op: fc.constant('..' as const), from: time, to: time }),
    ),
  }),
) as fc.Arbitrary<SearchTerm>;

describe('log search syntax', () => {
  it('parse ∘ print is the identity on every query', () => {
    fc.assert(
      fc.property(fc.array(term, { maxLength: 8 }), (terms) => {
        const query: LogSearch = { terms };
        const printed = printLogSearch(query);
        const back = parseLogSearch(printed);
        expect(back).toEqual({ ok: true, query });
      }),
      { numRuns: 2000 },
    );
  });

  it('print ∘ parse is stable on arbitrary text that parses', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (q) => {
        const r = parseLogSearch(q);
        if (!r.ok) {
          expect(r.error.column).toBeGreaterThanOrEqual(1);
          expect(r.error.column).toBeLessThanOrEqual(Math.max(q.length, 1) + 1);
          return;
        }
        expect(parseLogSearch(printLogSearch(r.query))).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the forms of the issue', () => {
    expect(ok('actor:alice@example.com event:SecretRead,SecretUpdated -event:UserLogin outcome:denied').terms).toEqual([
      { kind: 'field', key: 'actor', negated: false, values: [{ text: 'alice@example.com', prefix: false }] },
      { kind: 'field', key: 'event', negated: false, values: [{ text: 'SecretRead', prefix: false }, { text: 'SecretUpdated', prefix: false }] },
      { kind: 'field', key: 'event', negated: true, values: [{ text: 'UserLogin', prefix: false }] },
      { kind: 'field', key: 'outcome', negated: false, values: [{ text: 'Denied', prefix: false }] },
    ]);
    expect(ok('resource:DB_* ip:10.0.0.0/8 "two words" created:2026-03-01..2026-03-07 created:>-24h').terms).toEqual([
      { kind: 'field', key: 'resource', negated: false, values: [{ text: 'DB_', prefix: true }] },
      { kind: 'field', key: 'ip', negated: false, values: [{ text: '10.0.0.0/8', prefix: false }] },
      { kind: 'word', negated: false, value: { text: 'two words', prefix: false } },
      { kind: 'created', range: { op: '..', from: '2026-03-01', to: '2026-03-07' } },
      { kind: 'created', range: { op: '>', value: '-24h' } },
    ]);
    expect(printLogSearch(ok('  Event:secretread   actor:"Alice Smith" '))).toBe('event:SecretRead actor:"Alice Smith"');
  });

  it('names the unknown key, its column and the keys there are', () => {
    expect(err('evnt:SecretRead')).toEqual({ message: expect.stringMatching(/^unknown key "evnt" at column 1; keys: actor, event, outcome, /), column: 1 });
    expect(err('actor:a  evnt:x').column).toBe(10);
    expect(err('event:SecretRead,Bogus')).toMatchObject({ column: 18, message: expect.stringContaining('unknown event "Bogus"') });
    expect(err('actor:"open')).toMatchObject({ column: 7, message: 'unterminated quote at column 7' });
    expect(err('actor:')).toMatchObject({ column: 7 });
    expect(err('environment:Prod')).toMatchObject({ column: 13 });
    expect(err('ip:10.0.0.0/33')).toMatchObject({ column: 4 });
    expect(err('created:>yesterday')).toMatchObject({ column: 10 });
    expect(err('-created:>-1d')).toMatchObject({ column: 1 });
    expect(err('actor:a*')).toMatchObject({ column: 8 });
    expect(err('a\u0007b')).toMatchObject({ column: 2 });
  });

  it('refuses keys of the other log when told which log', () => {
    expect(err('event:SecretRead', 'access')).toMatchObject({ column: 1, message: expect.stringContaining('does not apply to the Access Log at column 1; keys: actor, environment') });
    expect(err('path:/x', 'audit').column).toBe(1);
    expect(parseLogSearch('path:/api/v1/*', 'access').ok).toBe(true);
  });

  it('turns created: into a half-open interval; a date covers its whole day', () => {
    const now = new Date('2026-03-10T00:00:00.000Z');
    expect(resolveCreated({ op: '..', from: '2026-03-01', to: '2026-03-07' }, now)).toEqual({ since: '2026-03-01T00:00:00.000Z', until: '2026-03-08T00:00:00.000Z' });
    expect(resolveCreated({ op: '>', value: '-24h' }, now)).toEqual({ since: '2026-03-09T00:00:00.001Z' });
    expect(resolveCreated({ op: '>=', value: '-24h' }, now)).toEqual({ since: '2026-03-09T00:00:00.000Z' });
    expect(resolveCreated({ op: '<=', value: '2026-03-01' }, now)).toEqual({ until: '2026-03-02T00:00:00.000Z' });
    expect(resolveCreated({ op: '=', value: '2026-03-01' }, now)).toEqual({ since: '2026-03-01T00:00:00.000Z', until: '2026-03-02T00:00:00.000Z' });
  });

  it('has one help line per key', () => {
    for (const k of SEARCH_KEYS) {
      expect(k.help.length).toBeGreaterThan(5);
      expect(parseLogSearch(k.example).ok).toBe(true);
    }
  });
});
