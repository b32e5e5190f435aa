/**
 * On-disk event spool shared by every node that ships to a Kyoka server (sensor, agent, WAF):
 * records go to append-only segment files (written synchronously, fsynced in batches) and are
 * shipped to the server's `POST /api/v1/events` as NDJSON with the node's Bearer key. A segment
 * is deleted only after a 2xx answer; each record carries a ULID fixed when it was spooled, so a
 * retry after a lost answer is idempotent on the server. Nothing is lost while the server is away
 * (up to `maxBytes` on disk, past which new records are dropped and counted).
 */
import {
  closeSync,
  fsync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { newId } from '@kyoka/core';

export interface SpoolStats {
  queued: number;
  sent: number;
  dropped: number;
  failed: number;
}

export interface SpoolOptions {
  dir: string;
  /** Server base URL (`https://kyoka.example:8400`). */
  serverUrl: string;
  /** Read on every send: the key may arrive after enrollment. */
  apiKey: () => string | null;
  /**
   * Turns one spooled record (and the ULID fixed when it was spooled) into the JSON texts of the
   * events to send; a record that yields none is dropped.
   */
  toEvents: (record: string, id: string) => string[];
  /** Counts a problem (spool_full, spool_send_failed, ...) for the node's heartbeat. */
  count?: (what: string) => void;
  debug?: (msg: string) => void;
  segmentBytes?: number;
  maxBytes?: number;
  /** Delay between a record and its shipment (batches records, bounds fsync rate). */
  lingerMs?: number;
  retryMaxMs?: number;
}

export class Spool {
  private fd: number | null = null;
  private openName = '';
  private openBytes = 0;
  private diskBytes = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private backoff = 0;
  private closed = false;
  private readonly st: SpoolStats = { queued: 0, sent: 0, dropped: 0, failed: 0 };

  constructor(private readonly o: SpoolOptions) {
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    // A crash leaves `.open` segments: seal them, their records are still owed to the server.
    for (const f of readdirSync(o.dir)) {
      if (f.endsWith('.open')) renameSync(join(o.dir, f), join(o.dir, f.replace(/\.open$/, '.seg')));
    }
    for (const f of this.segments()) this.diskBytes += statSync(join(o.dir, f)).size;
    if (this.segments().length) this.schedule(0);
  }

  private segments(): string[] {
    return readdirSync(this.o.dir)
      .filter((f) => f.endsWith('.seg'))
      .sort();
  }

  /** Appends one record (a single line: no newline inside). */
  push(line: string): void {
    if (this.closed) return;
    const rec = `${newId()} ${line}\n`;
    if (this.diskBytes + rec.length > (this.o.maxBytes ?? 256 * 1024 * 1024)) {
      this.st.dropped++;
      this.o.count?.('spool_full');
      return;
    }
    try {
      if (this.fd === null) {
        this.openName = `${Date.now().toString().padStart(15, '0')}-${String(this.seq++).padStart(6, '0')}`;
        this.fd = openSync(join(this.o.dir, `${this.openName}.open`), 'a', 0o600);
        this.openBytes = 0;
      }
      writeSync(this.fd, rec);
      this.openBytes += rec.length;
      this.diskBytes += rec.length;
      this.st.queued++;
      if (this.openBytes >= (this.o.segmentBytes ?? 1024 * 1024)) this.seal();
      this.schedule(this.o.lingerMs ?? 200);
    } catch (err) {
      this.st.failed++;
      this.o.count?.('spool_write_error');
      this.o.debug?.(`spool: ${(err as Error).message}`);
    }
  }

  /** Closes the open segment (fsynced) so it can be sent. */
  private seal(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch {}
    renameSync(join(this.o.dir, `${this.openName}.open`), join(this.o.dir, `${this.openName}.seg`));
  }

  private schedule(ms: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.sending) this.sending = this.flush().finally(() => (this.sending = null));
    }, ms);
    this.timer.unref();
  }

  /** The server answered again (a heartbeat got through): retry now instead of after the backoff. */
  retryNow(): void {
    if (this.backoff === 0 || this.closed) return;
    this.backoff = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.schedule(0);
  }

  /** Seals, fsyncs and ships every segment, oldest first; stops at the first failure and retries later. */
  private async flush(): Promise<void> {
    if (this.fd !== null) {
      const fd = this.fd;
      await new Promise<void>((r) => fsync(fd, () => r()));
      this.seal();
    }
    for (const seg of this.segments()) {
      const ok = await this.send(seg);
      if (!ok) {
        this.backoff = Math.min(Math.max(this.backoff * 2, 500), this.o.retryMaxMs ?? 30_000);
        this.schedule(this.backoff);
        return;
      }
      this.backoff = 0;
    }
  }

  private async send(seg: string): Promise<boolean> {
    const path = join(this.o.dir, seg);
    const key = this.o.apiKey();
    if (!key) return false;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return true; // vanished: nothing to send
    }
    const out: string[] = [];
    let n = 0;
    for (const rec of text.split('\n')) {
      const sp = rec.indexOf(' ');
      if (sp <= 0) continue;
      n++;
      for (const ev of this.o.toEvents(rec.slice(sp + 1), rec.slice(0, sp))) out.push(ev);
    }
    if (out.length) {
      try {
        const res = await fetch(new URL('/api/v1/events', this.o.serverUrl), {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
          body: `${out.join('\n')}\n`,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        // 400: no event in it is valid; retrying cannot help, so the segment is dropped (and counted).
        if (res.status === 400) this.o.count?.('spool_rejected');
        else if (res.status < 200 || res.status >= 300) {
          this.o.count?.('spool_send_failed');
          return false;
        }
      } catch {
        this.o.count?.('spool_send_failed');
        return false;
      }
    }
    try {
      this.diskBytes -= statSync(path).size;
      unlinkSync(path);
    } catch {}
    this.st.sent += n;
    this.st.queued = Math.max(0, this.st.queued - n);
    return true;
  }

  stats(): SpoolStats {
    return this.st;
  }

  /** Ships what it can within `timeoutMs`; whatever is left stays on disk for the next start. */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const wait = (p: Promise<void>) =>
      Promise.race([p, new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]).catch(() => {});
    if (this.sending) await wait(this.sending);
    if (this.fd !== null || this.segments().length) {
      this.sending = this.flush();
      await wait(this.sending);
    }
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.fd !== null) this.seal();
  }
}
