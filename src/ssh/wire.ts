/**
 * The SSH wire encoding (RFC 4251 §5) that OpenSSH keys and certificates are made of: uint32,
 * uint64, length-prefixed strings, mpints. Only what certificates need.
 */
export class SshWriter {
  private readonly parts: Buffer[] = [];

  uint32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    this.parts.push(b);
    return this;
  }

  uint64(n: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(n);
    this.parts.push(b);
    return this;
  }

  string(s: Buffer | string): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    this.uint32(b.length);
    this.parts.push(b);
    return this;
  }

  /** Raw bytes, already encoded (a key's fields copied from its blob). */
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class SshReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  uint32(): number {
    if (this.at + 4 > this.buf.length) throw new Error('truncated');
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  string(): Buffer {
    const n = this.uint32();
    if (this.at + n > this.buf.length) throw new Error('truncated');
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  get offset(): number {
    return this.at;
  }

  get done(): boolean {
    return this.at === this.buf.length;
  }

  slice(from: number, to: number): Buffer {
    return this.buf.subarray(from, to);
  }
}

/** Encodes a list of names as the concatenated strings of a principals field. */
export function packStrings(items: readonly string[]): Buffer {
  const w = new SshWriter();
  for (const i of items) w.string(i);
  return w.bytes();
}
