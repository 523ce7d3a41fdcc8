/** The Access Log's and server log's redaction of query strings: one rule, shared with the export's own audit entry. */
export { redactUrl } from '../contract/query-redaction.js';
