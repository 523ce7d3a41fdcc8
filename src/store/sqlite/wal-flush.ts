import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Flushes one file descriptor's data to disk; the default runs fdatasync on libuv's thread pool. */
export type FlushFile = (fd: number) => Promise<void>;

export const fdatasyncOffThread: FlushFile = (fd) =>
  new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));

/**
 * Durable commits without blocking the event loop (invariant 3, "nothing leaves before its rows are
 * durable", kept; see src/store/README.md).
 *
 * The writer runs with `synchronous = NORMAL`: SQLite's COMMIT writes the transaction's frames to
 * the WAL but does not flush it. The store then flushes the WAL itself with fdatasync on libuv's
 * thread pool (`afterCommit`), and a batch's promise resolves only once that flush is done, so a
 * response still leaves only after its rows are on disk, while the HTTP thread goes on serving
 * other requests instead of sleeping in fsync. One flush covers every frame written before it
 * (fdatasync also waits for pages already under writeback), so a later commit's flush also makes
 * every earlier commit durable.
 *
 * A commit is visible to the read connection as soon as COMMIT returns, before its flush. So the
 * read side holds back every result until the flush of the latest commit before it is done
 * (`barrier`): nothing read, streamed, signed or cached can include a row that a power loss could
 * still take back.
 *
 * A flush that fails leaves committed rows whose durability nobody knows (Linux may even have
 * dropped the dirty pages): from then on the store refuses every commit and every read, with the
 * reason, until bella-server is restarted and SQLite recovers the file from what is really on disk
 * (PostgreSQL makes the same choice: it stops on a failed fsync).
 */
export class WalFlush {
  private fd: number | null = null;
  private pending: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly walPath: string,
    private readonly flush: FlushFile = fdatasyncOffThread,
  ) {}

  /**
   * Opens the WAL (after the writer created it) and flushes the directory once, so that a WAL file
   * created by this start is itself on disk before any commit relies on it.
   */
  open(): void {
    if (this.fd !== null) return;
    this.fd = openSync(this.walPath, 'r');
    const dir = openSync(dirname(this.walPath), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  /** Throws the flush failure that made the store refuse everything, if there was one. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Starts flushing everything committed so far; called right after every COMMIT on the writer. */
  afterCommit(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.fd === null) return Promise.reject(new Error('the WAL is not open'));
    const p = this.flush(this.fd).catch((e: unknown) => {
      const why = e instanceof Error ? e.message : String(e);
      this.failure ??= new Error(
        `flushing the SQLite WAL to disk failed (${why}): the last commits may not be on disk, so this server refuses to record or serve anything until it is restarted (fail-closed)`,
      );
      throw this.failure;
    });
    this.pending = p;
    p.then(
      () => {
        if (this.pending === p) this.pending = null;
      },
      () => undefined,
    );
    return p;
  }

  /**
   * What a read must wait for before its result may leave: the flush of the latest commit (null when
   * every commit is durable). Throws after a failed flush.
   */
  barrier(): Promise<void> | null {
    this.check();
    return this.pending;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
