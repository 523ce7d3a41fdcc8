import { statSync } from 'node:fs';

/** Device and inode: what tells "the file this connection writes" from "a file at the same path". */
interface Identity {
  readonly dev: number;
  readonly ino: number;
}

const identityOf = (path: string): Identity | null => {
  try {
    const s = statSync(path);
    return { dev: s.dev, ino: s.ino };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
};

/**
 * Watches that the database file (and its WAL) a connection opened is still the file at its path.
 * SQLite keeps writing into a deleted or renamed file through its open descriptor: commits succeed,
 * and everything after is lost at the next start. A file that moved, vanished or was replaced makes
 * every check throw, so the committer fails closed and /readyz says why; the check is two stat calls.
 */
export interface FileIdentity {
  /** Records the identities of the files as they are now (after the connections opened them). */
  pin(): void;
  /** Throws when a pinned file is no longer the file at its path. */
  check(): void;
}

export function fileIdentity(dbFile: string): FileIdentity {
  const files = [dbFile, `${dbFile}-wal`];
  let pinned: (Identity | null)[] = [];
  const describe = (path: string, now: Identity | null) =>
    now === null
      ? `${path} was removed or renamed while bella-server was running`
      : `${path} was replaced by another file while bella-server was running`;
  return {
    pin() {
      pinned = files.map(identityOf);
    },
    check() {
      files.forEach((path, i) => {
        const was = pinned[i];
        const now = identityOf(path);
        // A WAL that did not exist when pinned is pinned when it first appears (SQLite creates it on demand).
        if (was === null || was === undefined) {
          if (now) pinned[i] = now;
          return;
        }
        if (!now || now.dev !== was.dev || now.ino !== was.ino) {
          throw new Error(
            `${describe(path, now)}: this server's writes would go to a file that no longer exists at that path, so it refuses to record anything (fail-closed). Restore the file (docs/operations.md, "Backup and restore") and restart bella-server`,
          );
        }
      });
    },
  };
}
