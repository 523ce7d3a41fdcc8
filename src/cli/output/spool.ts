import { once } from 'node:events';
import { closeSync, createReadStream, fstatSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private temporary file an export is written to before any byte reaches stdout.
 *
 * Used when stdout is a pipe or a terminal (a regular file gets a FileSink instead): if the export
 * breaks off part-way, stdout must not hold a CSV or NDJSON document that looks complete. Spooling
 * to disk keeps memory constant and lets the CLI print all or nothing.
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

  write(data: string | Uint8Array): void {
    if (this.fd === null) throw new Error('spool already closed');
    if (typeof data === 'string') writeSync(this.fd, data);
    else writeAll(this.fd, data);
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

/** writeSync may write less than asked (a full disk, a signal): loop until every byte is out. */
function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
}

/** Where an export goes: written as it arrives, then committed, or aborted so nothing of it remains. */
export interface ExportSink {
  write(chunk: Uint8Array): void;
  /** Everything arrived: make it visible on stdout. */
  commit(): Promise<void>;
  /** The export failed: leave stdout as it was before the export began. */
  abort(): void;
}

/** The file descriptor behind stdout when it is a regular file (`> audit.csv`, `>> audit.csv`), else null. */
export function regularFileFd(out: NodeJS.WritableStream): number | null {
  const fd = (out as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return null;
  try {
    return fstatSync(fd).isFile() ? fd : null;
  } catch {
    return null;
  }
}

/**
 * Writes straight into the file stdout is redirected to, so every byte is written once. The file's
 * size when the export starts is where it began (0 after `>`, the old end after `>>`); a failure, or
 * an interruption that exits through process.exit (Ctrl-C, see main.ts), truncates the file back to
 * it, so the file never holds part of an export. Only SIGKILL or a crash of the machine can leave a
 * partial file (and then the exit status was never 0).
 */
export class FileSink implements ExportSink {
  private readonly start: number;
  private open = true;

  constructor(private readonly fd: number) {
    this.start = fstatSync(fd).size;
    process.once('exit', this.onExit);
  }

  private readonly onExit = (): void => this.abort();

  write(chunk: Uint8Array): void {
    writeAll(this.fd, chunk);
  }

  async commit(): Promise<void> {
    this.open = false;
    process.off('exit', this.onExit);
  }

  abort(): void {
    if (!this.open) return;
    this.open = false;
    process.off('exit', this.onExit);
    try {
      ftruncateSync(this.fd, this.start);
    } catch {
      // nothing more can be done; the exit status still says the export failed
    }
  }
}

/** Pipes and terminals cannot take bytes back: spool the export, copy it to stdout once complete. */
export class SpoolSink implements ExportSink {
  private readonly spool = new Spool();

  constructor(private readonly out: NodeJS.WritableStream) {}

  write(chunk: Uint8Array): void {
    this.spool.write(chunk);
  }

  commit(): Promise<void> {
    return this.spool.copyTo(this.out);
  }

  abort(): void {
    this.spool.discard();
  }
}

/** Counts the records that pass through an export stream, for the progress line. */
export function recordCounter(format: 'csv' | 'json' | 'ndjson'): (chunk: Uint8Array) => number {
  if (format !== 'csv') {
    // JSON.stringify escapes line breaks: each entry is one line (json: `\n{…}` / `,\n{…}`, then `\n]\n`).
    return (chunk) => {
      let n = 0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
      return n;
    };
  }
  // CSV cells may hold line breaks, but only inside quotes; `""` toggles twice. The header counts
  // as one record, so the first line break outside quotes is not counted.
  let quoted = false;
  let header = true;
  return (chunk) => {
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 34) quoted = !quoted;
      else if (b === 10 && !quoted) {
        if (header) header = false;
        else n++;
      }
    }
    return n;
  };
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
