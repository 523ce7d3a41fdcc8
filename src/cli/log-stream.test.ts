import { describe, expect, it } from 'vitest';
import { exportQuery } from './log-list.js';
import type { LogListing } from './log-flags.js';
import { recordCounter } from './output/spool.js';

const enc = (s: string) => new TextEncoder().encode(s);
/** Feeds `text` to a counter in chunks of `size` bytes, as a network stream would. */
const countIn = (format: 'csv' | 'json' | 'ndjson', text: string, size: number) => {
  const count = recordCounter(format);
  const bytes = enc(text);
  let n = 0;
  for (let i = 0; i < bytes.length; i += size) n += count(bytes.subarray(i, i + size));
  return n;
};

describe('recordCounter (the progress line)', () => {
  const csv = 'a,b\r\n1,"two\r\nlines"\r\n"say ""hi""",x\r\n3,"a,""b"""\r\n';
  it.each([1, 2, 3, 7, 1000])('counts CSV records, not line breaks inside quotes (chunks of %i bytes)', (size) => {
    expect(countIn('csv', csv, size)).toBe(3);
  });

  it('counts one NDJSON entry per line', () => {
    expect(countIn('ndjson', '{"a":"x\\ny"}\n{"a":2}\n', 5)).toBe(2);
  });
});

describe('exportQuery', () => {
  const listing = (over: Partial<LogListing>): LogListing => ({ query: {}, project: undefined, limit: null, format: 'csv', neutralize: true, search: null, follow: false, ...over });

  it('passes the filters, the format and the limit; the server neutralises CSV by default', () => {
    expect(exportQuery(listing({ limit: 7 }), { project: 'p', event: ['SecretRead'] })).toEqual({ project: 'p', event: ['SecretRead'], format: 'csv', limit: 7, neutralize: undefined });
  });

  it('asks for neutralize=false only for a --no-neutralize CSV export', () => {
    expect(exportQuery(listing({ neutralize: false }), {}).neutralize).toBe('false');
    expect(exportQuery(listing({ format: 'json', neutralize: false }), {}).neutralize).toBeUndefined();
  });

  it('leaves limit out when exporting everything', () => {
    expect(exportQuery(listing({ format: 'ndjson' }), {}).limit).toBeUndefined();
  });
});
