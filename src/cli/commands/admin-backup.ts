import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT, usageError } from '../errors.js';
import { print } from '../env.js';
import { openSession } from '../session.js';
import type { ContextFactory } from './shared.js';

const PATH = '/api/v1/admin/backup';
/** Every SQLite database file begins with these 16 bytes. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * `bella admin backup --out FILE`: an online backup of the server's database (instance admin,
 * SQLite store), recorded as BackupCreated. Written to a temporary file beside FILE (0600), fsynced
 * and renamed into place only once complete, so FILE is never a partial backup.
 */
export function registerAdminBackupCommand(program: Command, context: ContextFactory): void {
  const admin =
    program.commands.find((c) => c.name() === 'admin') ?? program.command('admin').description('instance administration (instance admins only)');
  admin
    .command('backup')
    .description('save an online backup of the database (SQLite store; on PostgreSQL use pg_dump)')
    .requiredOption('--out <file>', 'where to write the backup (a new file)')
    .option('--force', 'replace FILE if it exists')
    .action(async (flags: { out: string; force?: boolean }) => {
      const ctx = context();
      const out = resolve(flags.out);
      if (existsSync(out) && !flags.force) throw usageError(`${flags.out} exists`, 'Choose a new file, or add --force to replace it.');
      if (!existsSync(dirname(out))) throw usageError(`the directory ${dirname(out)} does not exist`);
      const client = openSession(ctx.env).client;
      const tmp = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
      const fd = openSync(tmp, 'w', 0o600);
      let bytes = 0;
      let head = Buffer.alloc(0);
      try {
        for await (const chunk of client.stream(PATH, undefined, 'POST', 'backup')) {
          if (head.length < 16) head = Buffer.concat([head, Buffer.from(chunk.subarray(0, 16 - head.length))]);
          writeSync(fd, chunk);
          bytes += chunk.byteLength;
        }
        if (!head.equals(SQLITE_MAGIC)) throw new CliError(EXIT.error, 'the server did not send a SQLite database', 'Check that BELLA_BAXTER_URL points at a Bella Baxter server.');
        fsyncSync(fd);
        closeSync(fd);
        renameSync(tmp, out);
      } catch (e) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
        rmSync(tmp, { force: true });
        throw e;
      }
      print(
        ctx,
        [
          `Backup written to ${out} (${bytes.toLocaleString('en-US')} bytes; recorded in the Audit Log as BackupCreated).`,
          'It holds encrypted secrets and both logs, not the master key: keep the master key (master.key or BELLA_MASTER_KEY) apart from it.',
          'To restore: docs/operations.md, "Backup and restore".',
        ].join('\n'),
      );
    });
}
