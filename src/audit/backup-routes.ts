import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

/**
 * POST /api/v1/admin/backup: streams an online backup of the database (SQLite file format) to the
 * instance admin, as `bella admin backup --out FILE` saves it. The temporary copy is removed once sent.
 */
export function registerBackupRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post('/api/v1/admin/backup', { config: { audit: { event: 'BackupCreated', resource: 'backup' }, authorize: 'admin' } }, async (req, reply) => {
    const b = await deps.services.backup.create(opOf(req));
    const stream = createReadStream(b.file);
    stream.once('close', b.remove);
    stream.once('error', b.remove);
    const name = `bella-backup-${deps.clock().toISOString().replace(/[:.]/g, '-')}.db`;
    return reply
      .header('content-type', 'application/vnd.sqlite3')
      .header('content-length', String(b.bytes))
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(stream);
  });
}
