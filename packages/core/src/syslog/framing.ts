/**
 * Streaming decoder for syslog over TCP/TLS (RFC 6587). Detects the framing per message:
 * octet counting ("123 <34>1 ...") when a frame starts with a non-zero digit run and a
 * space, otherwise non-transparent framing terminated by LF (also NUL; a CR before the LF is
 * dropped). Hand-written: no maintained library does per-message auto-detection.
 *
 * Oversize frames (> maxMessageSize) are reported through onError and either truncated or
 * skipped; the decoder always keeps its place in the stream. It never throws.
 * - An LF frame over the limit runs to the next terminator.
 * - An octet count over the limit is not trusted: the frame ends at its announced length or at
 *   the first LF/NUL, whichever comes first. Trusting the count let one `999999 <13>x` line
 *   swallow the next megabyte of the stream — every message in it lost and counted as one
 *   error; a sender that really sends a frame that large (without LFs in it) still keeps sync.
 */
import { KyokaError } from '../errors/index.ts';

export interface FrameDecoderOptions {
  /** Largest message kept, in bytes (default 64 KiB). */
  maxMessageSize?: number;
  /** 'truncate' (default) delivers the first maxMessageSize bytes; 'skip' drops the frame. */
  oversize?: 'truncate' | 'skip';
  /** Called for framing problems (oversize, truncated final frame). */
  onError?: (err: KyokaError) => void;
}

// Decoder states (plain numbers: cheaper than strings in the per-byte switch).
const Mode = { Start: 0, Length: 1, Octet: 2, Line: 3 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

const MAX_LEN_DIGITS = 10;

export class SyslogFrameDecoder {
  readonly maxMessageSize: number;
  /** Framing errors seen so far. */
  errors = 0;
  private readonly truncate: boolean;
  private readonly onError: ((err: KyokaError) => void) | undefined;
  private mode: Mode = Mode.Start;
  private parts: Buffer[] = [];
  private kept = 0;
  /** Octet mode: bytes of the frame still to read. Length mode: value so far. */
  private remaining = 0;
  private lenDigits = 0;
  /** Current frame went over the limit (already reported). */
  private over = false;
  /** Line mode reading an untrusted octet count: bytes left until the announced end, else -1. */
  private lineCap = -1;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxMessageSize = opts.maxMessageSize ?? 65_536;
    this.truncate = (opts.oversize ?? 'truncate') === 'truncate';
    this.onError = opts.onError;
  }

  /** Feeds one chunk; returns the messages it completed (without framing bytes). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.mode) {
        case Mode.Start: {
          const b = chunk[i] as number;
          // Stray separators between frames (LF after an octet-counted frame, CRLF, NUL).
          if (b === 10 || b === 13 || b === 0 || b === 32) {
            i++;
          } else if (b >= 49 && b <= 57) {
            this.mode = Mode.Length;
            this.remaining = b - 48;
            this.lenDigits = 1;
            i++;
          } else {
            this.mode = Mode.Line;
          }
          break;
        }
        case Mode.Length: {
          const b = chunk[i] as number;
          if (b >= 48 && b <= 57 && this.lenDigits < MAX_LEN_DIGITS) {
            this.remaining = this.remaining * 10 + (b - 48);
            this.lenDigits++;
            i++;
          } else if (b === 32) {
            i++;
            this.mode = Mode.Octet;
            if (this.remaining > this.maxMessageSize) {
              this.report(`syslog frame of ${this.remaining} bytes exceeds ${this.maxMessageSize}`);
              // see the header: ends at the announced length or the first terminator
              this.mode = Mode.Line;
              this.lineCap = this.remaining;
              this.remaining = 0;
            }
          } else {
            // Not a length after all: the digits start an LF-framed message.
            this.append(Buffer.from(String(this.remaining)));
            this.mode = Mode.Line;
          }
          break;
        }
        case Mode.Octet: {
          const take = Math.min(this.remaining, n - i);
          this.append(chunk.subarray(i, i + take));
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.emit(out, false);
          break;
        }
        case Mode.Line: {
          let j = chunk.indexOf(10, i);
          const z = chunk.indexOf(0, i);
          if (z !== -1 && (j === -1 || z < j)) j = z;
          let endAt = j === -1 ? n : j;
          // an untrusted octet count ends the frame first when it comes before the terminator
          const capped = this.lineCap >= 0 && endAt - i >= this.lineCap;
          if (capped) endAt = i + this.lineCap;
          if (endAt > i) {
            if (!this.over && this.kept + (endAt - i) > this.maxMessageSize) {
              this.report(`syslog line exceeds ${this.maxMessageSize} bytes without a terminator`);
            }
            this.append(chunk.subarray(i, endAt));
            if (this.lineCap >= 0) this.lineCap -= endAt - i;
          }
          if (capped) {
            i = endAt;
            this.emit(out, false);
          } else if (j === -1) {
            i = n;
          } else {
            i = j + 1;
            this.emit(out, true);
          }
          break;
        }
      }
    }
    return out;
  }

  /** Connection closed: returns the last unterminated message, if any. */
  flush(): Buffer[] {
    const out: Buffer[] = [];
    if (this.mode === Mode.Octet && this.remaining > 0) {
      this.report(`connection closed ${this.remaining} bytes short of an octet-counted frame`);
      this.emit(out, false);
    } else if (this.mode === Mode.Length) {
      this.append(Buffer.from(String(this.remaining)));
      this.emit(out, true);
    } else if (this.mode === Mode.Line) {
      this.emit(out, true);
    }
    this.reset();
    return out;
  }

  private report(message: string): void {
    this.over = true;
    this.errors++;
    if (this.onError) {
      try {
        this.onError(new KyokaError('KYOKA_E_PAYLOAD_TOO_LARGE', message, { details: { limit: this.maxMessageSize } }));
      } catch {
        // A throwing callback must not break the stream.
      }
    }
  }

  private append(b: Buffer): void {
    if (this.over && !this.truncate) return;
    const room = this.maxMessageSize - this.kept;
    if (room <= 0) return;
    const piece = b.length > room ? b.subarray(0, room) : b;
    if (piece.length === 0) return;
    this.parts.push(piece);
    this.kept += piece.length;
  }

  private emit(out: Buffer[], stripCr: boolean): void {
    const dropped = this.over && !this.truncate;
    if (!dropped && this.kept > 0) {
      let msg = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.kept);
      if (stripCr && msg[msg.length - 1] === 13) msg = msg.subarray(0, msg.length - 1);
      if (msg.length > 0) out.push(msg);
    }
    this.reset();
  }

  private reset(): void {
    this.mode = Mode.Start;
    this.parts = [];
    this.kept = 0;
    this.remaining = 0;
    this.lenDigits = 0;
    this.over = false;
    this.lineCap = -1;
  }
}
