import { randomUUID } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { authenticated, type OpContext } from '../kernel/context.js';
import { forbidden } from '../kernel/errors.js';
import { requireUser } from '../identity/authenticator.js';
import type { Store } from '../store/ports.js';
import type { UnitOfWork } from './unit-of-work.js';

export interface BackupFile {
  /** A temporary file in the data dir: the caller streams it, then calls remove() */
  readonly file: string;
  readonly bytes: number;
  remove(): void;
}

/**
 * Online backups (instance admin only): a consistent copy of the whole database taken while the
 * server keeps serving, recorded as BackupCreated. The copy holds encrypted values and the logs, not
 * the master key, which is kept apart.
 */
export function createBackupService(deps: { readonly store: Pick<Store, 'backup'>; readonly uow: UnitOfWork; readonly tempDir: string }) {
  const { store, uow, tempDir } = deps;
  return {
    async create(op: OpContext): Promise<BackupFile> {
      op.audit.setScope({ resource: 'backup' });
      const p = authenticated(op);
      if (!requireUser(p).user.admin) throw forbidden('only an instance admin can take a backup', 'admin_required');
      const file = join(tempDir, `.backup-${randomUUID()}.db`);
      const remove = () => rmSync(file, { force: true });
      try {
        await store.backup(file);
        const bytes = statSync(file).size;
        // Recorded before a byte of the copy leaves: no entry, no backup.
        op.audit.record({ event: 'BackupCreated', resource: 'backup', details: { bytes } });
        await uow.run(op);
        return { file, bytes, remove };
      } catch (e) {
        remove();
        throw e;
      }
    },
  };
}

export type BackupService = ReturnType<typeof createBackupService>;
