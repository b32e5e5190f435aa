/**
 * A minimal Server-Sent Events frame parser (the WHATWG event-stream grammar: `field: value`
 * lines, blank line ends a frame, `:` comments ignored). Written here rather than taken from
 * the `eventsource` package because the decision stream needs the raw frames in order, with
 * their ids, to batch them and resume after a reconnect; the grammar is a dozen lines.
 */

export interface SseFrame {
  event: string;
  data: string;
  id: string | null;
}

export class SseParser {
  private buf = '';
  private event = '';
  private data: string[] = [];
  private id: string | null = null;

  /** Feeds decoded text; returns the frames it completes. */
  push(text: string): SseFrame[] {
    this.buf += text;
    const out: SseFrame[] = [];
    let start = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', start);
      if (nl < 0) break;
      let line = this.buf.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.data.length || this.event) {
          out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        }
        this.event = '';
        this.data = [];
        this.id = null;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  /** Bytes of an unfinished line held back (a guard against a server that never sends newlines). */
  get pending(): number {
    return this.buf.length;
  }
}
