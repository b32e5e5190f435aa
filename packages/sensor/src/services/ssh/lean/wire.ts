/**
 * SSH wire encodings (RFC 4251 §5) for the lean transport: a bounds-checked reader over one
 * decrypted payload, and a writer that fills a packet ssh2's ciphers allocated. Every read of
 * attacker bytes goes through Reader, which returns undefined instead of reading past the end.
 */
import { toMpint } from '../ssh2-x25519.ts';

export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  byte(): number | undefined {
    return this.pos < this.buf.length ? (this.buf[this.pos++] as number) : undefined;
  }

  bool(): boolean | undefined {
    const b = this.byte();
    return b === undefined ? undefined : b !== 0;
  }

  uint32(): number | undefined {
    const b = this.buf;
    const p = this.pos;
    if (p + 4 > b.length) return undefined;
    this.pos = p + 4;
    return (
      (((b[p] as number) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number)) >>>
      0
    );
  }

  /** An SSH string as bytes (a view: copy it to keep it past the packet), at most `max` long. */
  bytes(max = Number.POSITIVE_INFINITY): Buffer | undefined {
    const n = this.uint32();
    if (n === undefined || n > max || this.pos + n > this.buf.length) return undefined;
    const out = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return out;
  }

  /** An SSH string decoded as UTF-8 (user names, passwords: invalid sequences become U+FFFD). */
  utf8(max?: number): string | undefined {
    return this.bytes(max)?.toString('utf8');
  }

  /** A name-list; names are US-ASCII by the RFC, read as latin1 so nothing is lost. */
  nameList(): string[] | undefined {
    const b = this.bytes();
    if (b === undefined) return undefined;
    return b.length === 0 ? [] : b.toString('latin1').split(',');
  }
}

/** Sizes of the encodings, for allocating a packet before writing it. */
export const sizeOf = {
  string: (b: Uint8Array | string): number => 4 + (typeof b === 'string' ? Buffer.byteLength(b) : b.length),
};

export class Writer {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  byte(v: number): this {
    this.buf[this.pos++] = v;
    return this;
  }

  bool(v: boolean): this {
    return this.byte(v ? 1 : 0);
  }

  uint32(v: number): this {
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  string(v: Uint8Array | string): this {
    if (typeof v === 'string') {
      const n = this.buf.write(v, this.pos + 4, 'utf8');
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4 + n;
    } else {
      this.buf.writeUInt32BE(v.length, this.pos);
      this.buf.set(v, this.pos + 4);
      this.pos += 4 + v.length;
    }
    return this;
  }
}

/** An SSH mpint with its length prefix (the value as ../ssh2-x25519.ts's toMpint encodes it). */
export function mpint(buf: Buffer): Buffer {
  const body = toMpint(buf);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}
