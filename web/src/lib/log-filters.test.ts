import { describe, expect, it } from 'vitest';
import {
  accessFiltersToSearch,
  auditFiltersToSearch,
  countAuditFilters,
  parseAccessFilters,
  parseAuditFilters,
  toApiQuery,
  apiFilterSearch,
  AUDIT_URL_KEYS,
  ACCESS_URL_KEYS,
} from './log-filters';
import { auditQuerySchema } from '../../../src/contract/log-query.js';

describe('audit filters in the URL', () => {
  it('round-trips every filter through the query string unchanged', () => {
    const f = {
      environment: 'production',
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-02T00:00:00.000Z',
      actor: 'alice@example.com',
      actorType: 'User' as const,
      events: ['SecretRead' as const, 'SecretUpdated' as const],
      outcome: 'Denied' as const,
      resource: 'DB_PASSWORD',
      requestId: 'req-1',
      client: 'checkout',
    };
    expect(parseAuditFilters(auditFiltersToSearch(f))).toEqual(f);
    expect(countAuditFilters(f)).toBe(9);
  });

  it('accepts events repeated or comma-separated and stores them in catalog order', () => {
    expect(parseAuditFilters('event=SecretUpdated&event=SecretRead,UserLogin').events).toEqual([
      'SecretRead',
      'SecretUpdated',
      'UserLogin',
    ]);
  });

  it('writes the same selection as the same link whatever order it was picked in', () => {
    const a = auditFiltersToSearch({ events: ['UserLogin', 'SecretRead'] });
    const b = auditFiltersToSearch({ events: ['SecretRead', 'UserLogin'] });
    expect(a).toBe(b);
    expect(a).toBe('event=SecretRead%2CUserLogin');
  });

  it('asks the API with the URL values as written, so a bad one gets the API error instead of being ignored', () => {
    const search = 'since=yesterday&event=Bogus&environment=production&live=1&q=outcome%3ADenied';
    const api = new URLSearchParams(apiFilterSearch(search, AUDIT_URL_KEYS));
    expect(api.get('since')).toBe('yesterday');
    expect(api.get('event')).toBe('Bogus');
    expect(api.get('q')).toBe('outcome:Denied');
    expect(api.has('live')).toBe(false);
    expect(auditQuerySchema.safeParse(Object.fromEntries(api)).success).toBe(false);
  });

  it('leaves a control empty when the URL value is bad (the API error says why)', () => {
    const f = parseAuditFilters('environment=Bad Slug&since=yesterday&event=Nope,SecretRead&outcome=Maybe&actorType=Robot&client=has space');
    expect(f).toEqual({ events: ['SecretRead'] });
  });

  it('keeps presets as durations so a link means the last N whenever it is opened', () => {
    expect(parseAuditFilters('since=24h').since).toBe('24h');
  });

  it('produces an empty query string when nothing is filtered', () => {
    expect(auditFiltersToSearch({ events: [] })).toBe('');
    expect(countAuditFilters(parseAuditFilters(''))).toBe(0);
  });

  it('yields API queries the server schema accepts', () => {
    const search = auditFiltersToSearch({ environment: 'prod', since: '7d', events: ['SecretRead'], outcome: 'Success' });
    const q = Object.fromEntries(new URLSearchParams(toApiQuery('my-api', search, { limit: '50' })));
    expect(auditQuerySchema.safeParse(q).success).toBe(true);
  });

  it('counts a time range as one filter', () => {
    expect(countAuditFilters({ events: [], since: '1h', until: '2026-01-01' })).toBe(1);
  });
});

describe('access filters in the URL', () => {
  it('round-trips method, status and request id', () => {
    const f = { environment: 'prod', since: '1h', actor: 'bob', method: 'GET', status: 403, requestId: 'r-2' };
    expect(parseAccessFilters(accessFiltersToSearch(f))).toEqual(f);
  });

  it('ignores a status that is not an HTTP status code', () => {
    expect(parseAccessFilters('status=42&method=get')).toEqual({ method: 'GET' });
  });

  it('round-trips the search, the path filter and "hide my own reads"', () => {
    const f = { q: 'status:403', path: '/api/v1/audit-logs', excludeSelf: true };
    expect(accessFiltersToSearch(f)).toBe('q=status%3A403&path=%2Fapi%2Fv1%2Faudit-logs&excludeSelf=true');
    expect(parseAccessFilters(accessFiltersToSearch(f))).toEqual(f);
    expect(apiFilterSearch(accessFiltersToSearch(f), ACCESS_URL_KEYS)).toBe(accessFiltersToSearch(f));
  });
});
