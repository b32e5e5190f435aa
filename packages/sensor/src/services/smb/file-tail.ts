/**
 * Follows a growing text log (Samba's full_audit syslog file, kern.log) like `tail -F`, as
 * OpenCanary's FileSystemWatcher does: starts at the end of the file, reads appended lines,
 * and follows rotation (a new inode at the path: the old file is drained, the new one read from
 * its start) and truncation (read again from 0). Polling on one timer (no inotify fd per file,
 * works on every filesystem). Lines are bounded: a line longer than `maxLine` is dropped and
 * counted, never buffered. Shared by the smb and portscan services.
 */
import { type FileHandle, open, stat } from 'node:fs/promises';

export interface TailOptions {
  path: string;
  pollMs: number;
  maxLine: number;
  onLine(line: string): void;
  /** A line over maxLine was dropped. */
  onOversize(): void;
}

export interface Tail {
  /** One poll now (tests call it to avoid waiting on the timer); resolves when read up. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

const CHUNK = 64 * 1024;
/** At most this much is read per poll, so a flood cannot monopolise the event loop. */
const MAX_PER_POLL = 4 * 1024 * 1024;

export async function tailFile(o: TailOptions): Promise<Tail> {
  let fh: FileHandle | null = null;
  let ino = -1;
  let pos = 0;
  let partial = '';
  let skipping = false;
  let running: Promise<void> | null = null;
  let stopped = false;
  const buf = Buffer.allocUnsafe(CHUNK);
  const decoder = new TextDecoder('utf-8');

  const openAt = async (fromEnd: boolean) => {
    try {
      const h = await open(o.path, 'r');
      const st = await h.stat();
      fh = h;
      ino = st.ino;
      pos = fromEnd ? st.size : 0;
    } catch {
      fh = null;
      ino = -1;
      pos = 0;
    }
  };

  const feed = (text: string) => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (skipping) {
        skipping = false;
        continue;
      }
      const line = partial + piece;
      partial = '';
      if (line.length > o.maxLine) o.onOversize();
      else o.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    if (skipping) return;
    partial += text.slice(start);
    if (partial.length > o.maxLine) {
      partial = '';
      skipping = true;
      o.onOversize();
    }
  };

  const drain = async () => {
    if (!fh) return;
    let total = 0;
    while (total < MAX_PER_POLL) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      total += bytesRead;
      feed(decoder.decode(buf.subarray(0, bytesRead), { stream: true }));
    }
  };

  const pollOnce = async () => {
    if (!fh) {
      await openAt(false); // created after we started (or after rotation): read it whole
      await drain();
      return;
    }
    let st: Awaited<ReturnType<typeof stat>> | null = null;
    try {
      st = await stat(o.path);
    } catch {
      st = null; // rotated away, not yet recreated: keep reading the old file
    }
    if (st && st.ino !== ino) {
      await drain();
      await fh.close().catch(() => {});
      partial = '';
      skipping = false;
      await openAt(false);
    } else if (st && st.size < pos) {
      pos = 0; // truncated in place (copytruncate)
      partial = '';
    }
    await drain();
  };

  const poll = () => {
    if (stopped) return Promise.resolve();
    if (!running) {
      running = pollOnce()
        .catch(() => {})
        .finally(() => {
          running = null;
        });
    }
    return running;
  };

  await openAt(true);
  const timer = setInterval(() => void poll(), o.pollMs);
  timer.unref();
  return {
    poll,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await fh?.close().catch(() => {});
      fh = null;
    },
  };
}
