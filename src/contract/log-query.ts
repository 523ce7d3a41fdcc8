import { z } from 'zod';
import { ACTOR_TYPES, EVENT_TYPES, OUTCOMES, isEventType } from './events.js';
import { TIME_FORMS_HELP } from './time.js';

/** Slugs of projects and environments: lowercase letters, digits and single hyphens. */
export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const SLUG_HELP = '1-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit';

export const MAX_PAGE_LIMIT = 1000;
/** Longest search query (q=, contract/log-search.ts); here so that log-search.ts imports this file and not the reverse. */
export const MAX_SEARCH_LENGTH = 2000;
export const DEFAULT_PAGE_LIMIT = 100;

const slugParam = z.string().regex(SLUG_RE, `must be a slug: ${SLUG_HELP}`);
const timeParam = z.string().min(1, `must be ${TIME_FORMS_HELP}`).max(64);
/** The calling application's name as X-App-Client / X-Bella-Client carry it and actor.client records it. */
export const CLIENT_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;
export const CLIENT_HELP = '1-128 letters, digits or . _ : / @ + -, starting with a letter or digit';
const noControl = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);

/** A list query value may arrive repeated (?event=A&event=B) or comma-separated (?event=A,B). */
function splitList(v: unknown): unknown {
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',') : [x]));
  return parts.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '');
}

export const eventListParam = z.preprocess(
  splitList,
  z
    .array(z.string())
    .min(1)
    .max(EVENT_TYPES.length)
    .superRefine((list, ctx) => {
      const bad = list.filter((e) => !isEventType(e));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown event ${bad.map((b) => JSON.stringify(b.slice(0, 64))).join(', ')}; valid events: ${EVENT_TYPES.join(', ')}`,
        });
      }
    }),
);

const limitParam = z.coerce
  .number({ message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` })
  .int(`must be an integer from 1 to ${MAX_PAGE_LIMIT}`)
  .min(1, `must be an integer from 1 to ${MAX_PAGE_LIMIT}`)
  .max(MAX_PAGE_LIMIT, `must be an integer from 1 to ${MAX_PAGE_LIMIT}`);

const common = {
  project: slugParam.optional(),
  environment: slugParam.optional(),
  since: timeParam.optional(),
  until: timeParam.optional(),
  actor: z.string().min(1).max(320).refine(noControl, 'must not contain control characters').optional(),
  actorType: z.enum(ACTOR_TYPES, { message: `must be one of ${ACTOR_TYPES.join(', ')}` }).optional(),
  client: z.string().regex(CLIENT_RE, `must be an application name: ${CLIENT_HELP}`).optional(),
  requestId: z.string().min(1).max(128).refine(noControl, 'must not contain control characters').optional(),
  limit: limitParam.optional(),
  cursor: z.string().min(1).max(512).optional(),
  /** The search syntax of contract/log-search.ts; parsed by the service, which names the column of an error */
  q: z.string().max(MAX_SEARCH_LENGTH, `must be at most ${MAX_SEARCH_LENGTH} characters`).optional(),
  excludeSelf: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
};

/** Query string of GET /api/v1/audit-logs (and its export). */
export const auditQuerySchema = z
  .object({
    ...common,
    event: eventListParam.optional(),
    outcome: z.enum(OUTCOMES, { message: `must be one of ${OUTCOMES.join(', ')}` }).optional(),
    resource: z.string().min(1).max(512).refine(noControl, 'must not contain control characters').optional(),
  })
  .strict();
export type AuditQueryParams = z.infer<typeof auditQuerySchema>;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** Query string of GET /api/v1/access-logs (and its export). */
export const accessQuerySchema = z
  .object({
    ...common,
    method: z.enum(HTTP_METHODS, { message: `must be one of ${HTTP_METHODS.join(', ')}` }).optional(),
    status: z.coerce
      .number({ message: 'must be an HTTP status code (100-599)' })
      .int('must be an HTTP status code (100-599)')
      .min(100, 'must be an HTTP status code (100-599)')
      .max(599, 'must be an HTTP status code (100-599)')
      .optional(),
    path: z.string().min(1).max(512).refine(noControl, 'must not contain control characters').optional(),
  })
  .strict();
export type AccessQueryParams = z.infer<typeof accessQuerySchema>;

/** Most rows one export may ask for with `limit` (without `limit` an export has every match). */
export const MAX_EXPORT_LIMIT = 1_000_000;
export const EXPORT_FORMATS = ['json', 'ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const exportFormatParam = z.enum(EXPORT_FORMATS, { message: `must be one of ${EXPORT_FORMATS.join(', ')}` });
