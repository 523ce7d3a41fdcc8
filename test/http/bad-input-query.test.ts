import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/contract/events.js';
import { testStores } from '../helpers/harness.js';
import { badInputWorld, expectRefused, type BadInput, type BadInputWorld } from './bad-input-runner.js';
import { errorOf } from './helpers.js';

const audit = '/api/v1/audit-logs';
const access = '/api/v1/access-logs';
const LIMIT = /querystring\.limit: must be an integer from 1 to 1000/;
const TIME = /is not a date \(2026-03-01, UTC midnight\), an ISO 8601 date-time with zone/;
const CURSOR = /cursor is not valid: pass back the nextCursor of a previous page unchanged/;
const q = (s: string) => encodeURIComponent(s);

/** Bad filters, limits, cursors and formats on the log-reading routes. */
const CASES: readonly BadInput[] = [
  { name: 'an unknown event', method: 'GET', url: `${audit}?event=SecretStolen`, status: 400, code: 'validation_failed', message: /unknown event "SecretStolen"; valid events: SecretRead, SecretCreated/ },
  { name: 'one unknown event among valid ones', method: 'GET', url: `${audit}?event=SecretRead,Nope`, status: 400, code: 'validation_failed', message: /unknown event "Nope"/ },
  { name: 'SQL metacharacters in the event filter', method: 'GET', url: `${audit}?event=${q("SecretRead' OR '1'='1")}`, status: 400, code: 'validation_failed', message: /unknown event/ },
  { name: 'a lowercase event name', method: 'GET', url: `${audit}?event=secretread`, status: 400, code: 'validation_failed', message: /valid events/ },
  { name: 'an impossible date', method: 'GET', url: `${audit}?since=2026-02-31`, status: 400, code: 'validation_failed', message: TIME },
  { name: 'a word instead of a date', method: 'GET', url: `${audit}?until=yesterday`, status: 400, code: 'validation_failed', message: TIME },
  { name: 'a date-time without a zone', method: 'GET', url: `${audit}?since=2026-03-01T12:00:00`, status: 400, code: 'validation_failed', message: TIME },
  { name: 'hour 25', method: 'GET', url: `${audit}?since=${q('2026-03-01T25:00:00Z')}`, status: 400, code: 'validation_failed', message: TIME },
  { name: 'an empty since', method: 'GET', url: `${audit}?since=`, status: 400, code: 'validation_failed', message: /querystring\.since/ },
  { name: 'since after until', method: 'GET', url: `${audit}?since=2026-03-02&until=2026-03-01`, status: 400, code: 'validation_failed', message: /since must be earlier than until/ },
  { name: 'limit 0', method: 'GET', url: `${audit}?limit=0`, status: 400, code: 'validation_failed', message: LIMIT },
  { name: 'limit -1', method: 'GET', url: `${audit}?limit=-1`, status: 400, code: 'validation_failed', message: LIMIT },
  { name: 'limit 10^9', method: 'GET', url: `${audit}?limit=1000000000`, status: 400, code: 'validation_failed', message: LIMIT },
  { name: 'limit 1001 on the Access Log', method: 'GET', url: `${access}?limit=1001`, status: 400, code: 'validation_failed', message: LIMIT },
  { name: 'a fractional limit', method: 'GET', url: `${audit}?limit=2.5`, status: 400, code: 'validation_failed', message: LIMIT },
  { name: 'a non-numeric limit', method: 'GET', url: `${audit}?limit=ten`, status: 400, code: 'validation_failed', message: LIMIT },
  { name: 'a forged cursor', method: 'GET', url: `${audit}?cursor=abc`, status: 400, code: 'invalid_cursor', message: CURSOR },
  { name: 'a cursor with a forged body and no valid tag', method: 'GET', url: `${audit}?cursor=${Buffer.from('{"l":"audit","s":999999}').toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`, status: 400, code: 'invalid_cursor', message: CURSOR },
  { name: 'an Access Log cursor on the Audit Log', method: 'GET', url: `${audit}?cursor={accessCursor}`, status: 400, code: 'invalid_cursor', message: CURSOR },
  { name: 'an Audit Log cursor on the Access Log', method: 'GET', url: `${access}?cursor={cursor}`, status: 400, code: 'invalid_cursor', message: CURSOR },
  { name: 'SQL metacharacters in the project filter', method: 'GET', url: `${audit}?project=${q("p' OR 1=1 --")}`, status: 400, code: 'validation_failed', message: /querystring\.project: must be a slug/ },
  { name: 'SQL metacharacters in the environment filter', method: 'GET', url: `${access}?environment=${q('prod";--')}`, status: 400, code: 'validation_failed', message: /querystring\.environment: must be a slug/ },
  { name: 'an unknown query parameter', method: 'GET', url: `${audit}?foo=bar`, status: 400, code: 'validation_failed', message: /foo/ },
  { name: 'an Access Log filter on the Audit Log', method: 'GET', url: `${audit}?status=200`, status: 400, code: 'validation_failed', message: /status/ },
  { name: 'an unknown outcome', method: 'GET', url: `${audit}?outcome=Maybe`, status: 400, code: 'validation_failed', message: /must be one of Success, Denied/ },
  { name: 'an unknown actor type', method: 'GET', url: `${audit}?actorType=Robot`, status: 400, code: 'validation_failed', message: /must be one of User, ApiKey, TrustToken, Lease, System, Anonymous/ },
  { name: 'a control character in the actor filter', method: 'GET', url: `${audit}?actor=${q('a\nb')}`, status: 400, code: 'validation_failed', message: /must not contain control characters/ },
  { name: 'a control character in the requestId filter', method: 'GET', url: `${access}?requestId=${q('x\u0000y')}`, status: 400, code: 'validation_failed', message: /must not contain control characters/ },
  { name: 'an unknown HTTP method', method: 'GET', url: `${access}?method=FETCH`, status: 400, code: 'validation_failed', message: /must be one of GET, POST, PUT, PATCH, DELETE/ },
  { name: 'status 999', method: 'GET', url: `${access}?status=999`, status: 400, code: 'validation_failed', message: /must be an HTTP status code \(100-599\)/ },
  { name: 'an unknown export format', method: 'GET', url: `${audit}/export?format=xml`, status: 400, code: 'validation_failed', message: /must be one of json, ndjson, csv/ },
  { name: 'a cursor on an export', method: 'GET', url: `${audit}/export?cursor={cursor}`, status: 400, code: 'validation_failed', message: /cursor/ },
  { name: 'export limit 0', method: 'GET', url: `${access}/export?limit=0`, status: 400, code: 'validation_failed', message: /must be a positive integer/ },
  { name: 'a bad neutralize flag', method: 'GET', url: `${audit}/export?format=csv&neutralize=maybe`, status: 400, code: 'validation_failed', message: /must be true or false/ },
];

for (const kind of await testStores()) {
  describe(`bad log-query inputs (${kind})`, () => {
    let w: BadInputWorld;
    beforeAll(async () => {
      w = await badInputWorld(kind);
    });
    afterAll(async () => w.t.close());

    it.each(CASES.map((c) => [c.name, c] as const))('%s is refused with a clear 4xx, writes nothing, and is in the Access Log', async (_n, c) => {
      await expectRefused(w, c);
    });

    it('an altered cursor (one character of its signed body changed) is refused', async () => {
      const [body, tag] = w.cursor.split('.') as [string, string];
      const altered = `${body.slice(0, -2)}${body.at(-2) === 'A' ? 'B' : 'A'}${body.at(-1)}.${tag}`;
      await expectRefused(w, { name: 'altered', method: 'GET', url: `${audit}?cursor=${q(altered)}`, status: 400, code: 'invalid_cursor', message: CURSOR });
    });

    it('the unknown-event message lists every valid event', async () => {
      const r = await w.t.req('GET', `${audit}?event=Nope`, { token: w.t.adminToken });
      for (const e of EVENT_TYPES) expect(errorOf(r).message).toContain(e);
    });
  });
}
