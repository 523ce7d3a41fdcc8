import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { DEFAULT_TABLE_ROWS, parseAccessFlags, parseAuditFlags, parseEvents } from './log-flags.js';

const now = new Date('2026-03-10T12:00:00.000Z');

function usage(fn: () => unknown): CliError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(2);
    return e as CliError;
  }
  throw new Error('expected a usage error');
}

describe('parseAuditFlags', () => {
  it('reads a date as UTC midnight and a duration back from now', () => {
    const l = parseAuditFlags({ since: '2026-03-01', until: '15m' }, now);
    expect(l.query.since).toBe('2026-03-01T00:00:00.000Z');
    expect(l.query.until).toBe('2026-03-10T11:45:00.000Z');
  });

  it('accepts ISO date-times with a zone and normalises them to UTC', () => {
    expect(parseAuditFlags({ since: '2026-03-01T12:00:00+02:00' }, now).query.since).toBe('2026-03-01T10:00:00.000Z');
  });

  it('rejects a malformed date with the accepted forms in the hint', () => {
    const e = usage(() => parseAuditFlags({ since: '2026-02-31' }, now));
    expect(e.message).toContain('--since');
    expect(e.hint).toContain('15m');
  });

  it('rejects a window whose start is not before its end', () => {
    usage(() => parseAuditFlags({ since: '1h', until: '2h' }, now));
  });

  it('splits repeated and comma-separated events and canonicalises their case', () => {
    expect(parseEvents(['SecretRead,secretupdated', 'ApiKeyRevoked', 'SecretRead'])).toEqual(['SecretRead', 'SecretUpdated', 'ApiKeyRevoked']);
  });

  it('names the valid events when one is unknown', () => {
    const e = usage(() => parseAuditFlags({ event: ['SecretRead', 'SecretRaed'] }, now));
    expect(e.message).toContain('SecretRaed');
    expect(e.hint).toContain('SecretsBulkPulled');
  });

  it('accepts outcome in any case and refuses anything else', () => {
    expect(parseAuditFlags({ outcome: 'denied' }, now).query.outcome).toBe('Denied');
    expect(usage(() => parseAuditFlags({ outcome: 'Failed' }, now)).hint).toContain('Success, Denied');
  });

  it('defaults a table to 100 rows and an export to everything', () => {
    expect(parseAuditFlags({}, now).limit).toBe(DEFAULT_TABLE_ROWS);
    expect(parseAuditFlags({ output: 'csv' }, now).limit).toBeNull();
    expect(parseAuditFlags({ output: 'json', limit: '5000' }, now).limit).toBe(5000);
  });

  it('refuses an unknown output format, a bad limit and a malformed project slug', () => {
    expect(usage(() => parseAuditFlags({ output: 'xml' }, now)).hint).toContain('table, json, csv, ndjson');
    usage(() => parseAuditFlags({ limit: '0' }, now));
    usage(() => parseAuditFlags({ limit: '10abc' }, now));
    usage(() => parseAuditFlags({ project: 'My API' }, now));
  });

  it('neutralises CSV formulas unless --no-neutralize was given', () => {
    expect(parseAuditFlags({ output: 'csv' }, now).neutralize).toBe(true);
    expect(parseAuditFlags({ output: 'csv', neutralize: false }, now).neutralize).toBe(false);
  });
});

describe('parseAccessFlags', () => {
  it('validates method and status before any request', () => {
    const l = parseAccessFlags({ method: 'get', status: '403' }, now);
    expect(l.query).toMatchObject({ method: 'GET', status: '403' });
    usage(() => parseAccessFlags({ status: '99' }, now));
    usage(() => parseAccessFlags({ method: 'FETCH' }, now));
  });
});
