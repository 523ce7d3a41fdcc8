import { once } from 'node:events';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private temporary file an export is written to before any byte reaches stdout.
 *
 * Exports page through the server; if page 7 of 9 fails, stdout must not hold a CSV or NDJSON
 * file that looks complete (`> audit.csv` would silently lose rows). Spooling to disk keeps memory
 * constant and lets the CLI print all or nothing.
 */
export class Spool {
  private readonly dir: string;
  private readonly path: string;
  private fd: number | null;

  constructor() {
    // mkdtemp creates the directory 0700: other users cannot read the log entries meanwhile.
    this.dir = mkdtempSync(join(tmpdir(), 'bella-export-'));
    this.path = join(this.dir, 'out');
    this.fd = openSync(this.path, 'w', 0o600);
    // Ctrl-C mid-export ends the process through process.exit (see main.ts): remove the file then too.
    process.once('exit', this.onExit);
  }

  private readonly onExit = (): void => this.discard();

  write(text: string): void {
    if (this.fd === null) throw new Error('spool already closed');
    writeSync(this.fd, text);
  }

  /** Copies everything written so far to `out`, honouring back-pressure, then removes the file. */
  async copyTo(out: NodeJS.WritableStream): Promise<void> {
    this.close();
    try {
      for await (const chunk of createReadStream(this.path)) {
        if (!out.write(chunk as Buffer)) await once(out, 'drain');
      }
    } finally {
      this.discard();
    }
  }

  /** Removes the file without printing it (the error path). */
  discard(): void {
    this.close();
    process.off('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** A one-line "fetched N entries" indicator on stderr, shown only when stderr is a terminal. */
export interface Progress {
  update(count: number): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WritableStream & { isTTY?: boolean }, label: string): Progress {
  if (stream.isTTY !== true) return { update() {}, done() {} };
  let shown = false;
  return {
    update(count) {
      stream.write(`\r\u001b[K${label}: ${count.toLocaleString('en-US')} fetched…`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}
