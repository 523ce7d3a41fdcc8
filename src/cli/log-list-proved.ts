import { safeJsonStringify } from '../contract/text-safety.js';
import { provedExport } from './audit-verify.js';
import { print, type CommandContext } from './env.js';
import { usageError } from './errors.js';
import type { LogListing } from './log-flags.js';
import { openSession, resolveScope } from './session.js';

/** `bella audit list --output json --with-proof`: the listing's entries with their inclusion proofs, as one JSON document. */
export async function runProvedList(listing: LogListing, ctx: CommandContext): Promise<void> {
  if (listing.format !== 'json') throw usageError('--with-proof needs --output json', 'Example: bella audit list --output json --with-proof > audit.json');
  const session = openSession(ctx.env);
  const project = listing.project ?? (await resolveScope(session, {})).project ?? undefined;
  const doc = await provedExport(session.client, { ...listing.query, project }, listing.limit);
  print(ctx, safeJsonStringify(doc, 2));
}
