import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  checkpointQuerySchema, consistencyQuerySchema, entryIdParams, leavesQuerySchema, proofQuerySchema, proofsQuerySchema, rangeProofQuerySchema,
} from '../contract/integrity.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

/**
 * The verifiable Audit Log (docs/verification.md): checkpoint, public key, inclusion, consistency and
 * range proofs, leaves for the live verifier. Same authorization as reading the Audit Log; the whole
 * log's leaves and range proofs, and signing on demand, need the instance admin.
 */
export function registerIntegrityRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const integrity = deps.services.integrity;
  // Authorized before the query is validated: a caller without the right is refused (and the refusal
  // recorded) whatever it sent.
  const reader = { preValidation: async (req: FastifyRequest) => integrity.authorizeReader(opOf(req)) };
  const admin = { config: { authorize: 'admin' as const } };

  r.get('/api/v1/audit-log/checkpoint', { ...reader, schema: { querystring: checkpointQuerySchema } }, async (req, reply) => {
    const view = await integrity.checkpoint(opOf(req), { size: req.query.size, fresh: req.query.fresh === 'true' });
    // The signed note itself with Accept: text/plain (what a witness or the Go note package reads).
    if ((req.headers.accept ?? '').startsWith('text/plain')) return reply.type('text/plain; charset=utf-8').send(view.note);
    return view;
  });
  r.get('/api/v1/audit-log/checkpoints', reader, async (req) => integrity.checkpoints(opOf(req)));
  r.get('/api/v1/audit-log/public-key', reader, async (req, reply) => {
    const view = await integrity.publicKey(opOf(req));
    if ((req.headers.accept ?? '').startsWith('text/plain')) return reply.type('text/plain; charset=utf-8').send(`${view.publicKey}\n`);
    return view;
  });
  r.get('/api/v1/audit-logs/:id/proof', { ...reader, schema: { params: entryIdParams, querystring: proofQuerySchema } }, async (req) =>
    integrity.proof(opOf(req), req.params.id, req.query.checkpoint),
  );
  r.get('/api/v1/audit-log/proofs', { ...reader, schema: { querystring: proofsQuerySchema } }, async (req) =>
    integrity.proofs(opOf(req), req.query.ids, req.query.checkpoint),
  );
  r.get('/api/v1/audit-log/consistency', { ...reader, schema: { querystring: consistencyQuerySchema } }, async (req) =>
    integrity.consistency(opOf(req), req.query.from, req.query.to),
  );
  r.get('/api/v1/audit-log/leaves', { ...admin, schema: { querystring: leavesQuerySchema } }, async (req) => integrity.leaves(opOf(req), req.query.start, req.query.end));
  r.get('/api/v1/audit-log/range-proof', { ...admin, schema: { querystring: rangeProofQuerySchema } }, async (req) =>
    integrity.rangeProof(opOf(req), req.query.start, req.query.end, req.query.size),
  );
}
