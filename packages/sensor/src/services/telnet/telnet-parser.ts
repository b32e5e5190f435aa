/**
 * Telnet input parser (RFC 854) with Twisted's semantics, so the honeypot sees the same lines
 * OpenCanary does: IAC IAC is a data 0xFF, LF, CR LF, CR NUL and a bare CR end a line, WILL /
 * WONT / DO / DONT are reported as commands, subnegotiations and one-byte commands are dropped,
 * and any other byte after IAC is malformed (Twisted raises "Stumped" and drops the connection).
 * Input is bounded (a line or a subnegotiation longer than MAX_PENDING ends the connection) and
 * a line handler may return a promise: parsing then waits, so replies keep their order.
 */

export const IAC = 0xff;
export const DONT = 0xfe;
export const DO = 0xfd;
export const WONT = 0xfc;
export const WILL = 0xfb;
export const SB = 0xfa;
export const SE = 0xf0;
export const ECHO = 0x01;

const MAX_PENDING = 64 * 1024;

/** Parser states (Twisted's names: data, escaped, command, newline, subnegotiation[-escaped]). */
const S = { Data: 0, Escaped: 1, Command: 2, Newline: 3, Sub: 4, SubEscaped: 5 } as const;

/**
 * The parser is the base class of a connection's session, which implements the handlers: one
 * object per connection instead of a parser plus a closure per handler.
 */
export abstract class TelnetParser {
  private state: number = S.Data;
  private cmd = 0;
  /** Bytes of the line being read; allocated with the first byte. */
  private pending: number[] | null = null;
  private subLen = 0;
  private held: Buffer | null = null;
  private waiting = false;
  private dead = false;

  /** WILL / WONT / DO / DONT `option`. */
  protected abstract onCommand(cmd: number, option: number): void;
  /** One line without its terminator; may return a promise to hold further input until it settles. */
  protected abstract onLine(bytes: Buffer): Promise<void> | undefined;
  /** Protocol violation or oversize input (`what` is the counter name); the parser stops. */
  protected abstract onMalformed(what: 'malformed' | 'oversize'): void;
  protected abstract pauseInput(): void;
  protected abstract resumeInput(): void;

  feed(chunk: Buffer): void {
    if (this.dead) return;
    if (this.waiting) {
      this.held = this.held ? Buffer.concat([this.held, chunk]) : chunk;
      if (this.held.length > MAX_PENDING) this.fail('oversize');
      return;
    }
    this.run(chunk, 0);
  }

  private fail(what: 'malformed' | 'oversize'): void {
    this.dead = true;
    this.held = null;
    this.pending = null;
    this.onMalformed(what);
  }

  private push(b: number): boolean {
    if (b === 0x0a) return this.endLine();
    if (this.pending === null) this.pending = [];
    const line = this.pending;
    if (line.length >= MAX_PENDING) {
      this.fail('oversize');
      return false;
    }
    line.push(b);
    return true;
  }

  /** Delivers the current line; false when parsing must stop (waiting or dead). */
  private endLine(): boolean {
    const bytes = this.pending ? Buffer.from(this.pending) : Buffer.alloc(0);
    this.pending = null;
    const p = this.onLine(bytes);
    if (!p) return !this.dead;
    this.waiting = true;
    this.pauseInput();
    p.then(
      () => {
        this.waiting = false;
        this.resumeInput();
        const rest = this.held;
        this.held = null;
        if (rest && !this.dead) this.run(rest, 0);
      },
      () => this.fail('malformed'),
    );
    return false;
  }

  private run(data: Buffer, from: number): void {
    for (let i = from; i < data.length; i++) {
      if (this.dead) return;
      const b = data[i]!;
      let ok = true;
      switch (this.state) {
        case S.Data:
          if (b === IAC) this.state = S.Escaped;
          else if (b === 0x0d) this.state = S.Newline;
          else ok = this.push(b);
          break;
        case S.Escaped:
          if (b === IAC) {
            this.state = S.Data;
            ok = this.push(b);
          } else if (b === SB) {
            this.state = S.Sub;
            this.subLen = 0;
          } else if (b >= WILL) {
            this.state = S.Command;
            this.cmd = b;
          } else if (b === 0xef || (b >= 0xf1 && b <= 0xf9)) this.state = S.Data;
          else {
            this.fail('malformed');
            return;
          }
          break;
        case S.Command:
          this.state = S.Data;
          this.onCommand(this.cmd, b);
          break;
        case S.Newline:
          // CR LF, CR NUL and a bare CR all end the line (Twisted only ends lines at LF, so hydra's
          // "user\r\0" never arrives there); a bare CR's next byte starts the next line.
          this.state = b === IAC ? S.Escaped : S.Data;
          if (b === 0x0a || b === 0 || b === IAC) ok = this.endLine();
          else if (!this.endLine()) {
            if (this.waiting) this.held = data.subarray(i);
            return;
          } else ok = this.push(b);
          break;
        case S.Sub:
        case S.SubEscaped:
          if (this.state === S.Sub && b === IAC) this.state = S.SubEscaped;
          else if (this.state === S.SubEscaped && b === SE) this.state = S.Data;
          else {
            this.state = S.Sub;
            if (++this.subLen > MAX_PENDING) {
              this.fail('oversize');
              return;
            }
          }
          break;
      }
      if (!ok) {
        if (this.waiting && i + 1 < data.length) this.held = data.subarray(i + 1);
        return;
      }
    }
  }
}
