/**
 * Splits a byte stream (a child's stdout, a socket) into lines with bounded memory: at most
 * maxLineBytes of an unfinished line are held; a longer line is handed over cut to that size
 * once, the rest skipped up to its newline, and counted in `capped`. CR before LF is dropped.
 * Lines are handed over synchronously, so a slow consumer slows the reader, never a queue.
 */
export class LineSplitter {
  capped = 0;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private skipping = false;

  constructor(
    private readonly onLine: (line: string, cut: boolean) => void,
    private readonly maxLineBytes = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const seg = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.pendingLen + seg.length > this.maxLineBytes) {
        this.cut(seg);
        this.skipping = false;
        continue;
      }
      const line = this.pendingLen === 0 ? seg : Buffer.concat([...this.pending, seg]);
      this.pending = [];
      this.pendingLen = 0;
      this.emit(line, false);
    }
    if (start >= chunk.length || this.skipping) return;
    const rest = chunk.subarray(start);
    if (this.pendingLen + rest.length > this.maxLineBytes) {
      this.cut(rest);
      return;
    }
    this.pending.push(Buffer.from(rest));
    this.pendingLen += rest.length;
  }

  /** Drops a held partial line (the stream broke; it will never be finished). */
  reset(): void {
    this.pending = [];
    this.pendingLen = 0;
    this.skipping = false;
  }

  private cut(seg: Buffer): void {
    const line = Buffer.concat([...this.pending, seg.subarray(0, this.maxLineBytes - this.pendingLen)]);
    this.pending = [];
    this.pendingLen = 0;
    this.skipping = true;
    this.capped++;
    this.emit(line, true);
  }

  private emit(line: Buffer, cut: boolean): void {
    const end = line.length > 0 && line[line.length - 1] === 13 ? line.length - 1 : line.length;
    if (end === 0) return;
    this.onLine(line.toString('utf8', 0, end), cut);
  }
}
