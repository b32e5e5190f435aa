/**
 * The synchronous handlers: logging.StreamHandler (stdout/stderr) and logging.FileHandler /
 * WatchedFileHandler (append; the watched one reopens when logrotate moved the file). handle()
 * buffers the line and flush() writes the buffer with writeSync: the logger flushes before the
 * record's reply may go out, at once or with the group (../commit.ts), as OpenCanary flushes
 * before replying. The path comes from the operator's config, never from a record.
 */
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import type { Formatter, HandlerConfig, HandlerEnv, LogHandler } from './types.ts';

export function streamHandler(name: string, c: HandlerConfig, fmt: Formatter): LogHandler {
  // process.stdout/stderr writes are synchronous on Linux for files, pipes and TTYs
  const out = c.stream === 'ext://sys.stderr' ? process.stderr : process.stdout;
  out.on('error', () => {}); // a closed stdout (EPIPE) must not stop the sensor
  let buf = '';
  return {
    name,
    handle(line) {
      buf += `${fmt(line)}\n`;
    },
    flush() {
      if (buf === '') return;
      const b = buf;
      buf = '';
      out.write(b);
    },
    async close() {
      this.flush?.();
    },
  };
}

/** Re-stat at most this often (WatchedFileHandler stats on every emit; that costs a syscall per record). */
const WATCH_MS = 1000;

export function fileHandler(
  name: string,
  c: HandlerConfig,
  fmt: Formatter,
  env: HandlerEnv,
  watched: boolean,
): LogHandler {
  const filename = String(c.filename);
  const mode = c.mode === 'w' ? 'w' : 'a';
  let fd = openSync(filename, mode, 0o640);
  let ino = fstatSync(fd).ino;
  let lastCheck = Date.now();
  const reopenIfMoved = () => {
    const now = Date.now();
    if (now - lastCheck < WATCH_MS) return;
    lastCheck = now;
    let cur: number | null = null;
    try {
      cur = statSync(filename).ino;
    } catch {
      cur = null;
    }
    if (cur !== ino) {
      try {
        closeSync(fd);
      } catch {}
      fd = openSync(filename, 'a', 0o640);
      ino = fstatSync(fd).ino;
    }
  };
  let buf = '';
  const flush = () => {
    if (buf === '') return;
    const b = Buffer.from(buf);
    buf = '';
    try {
      if (watched) reopenIfMoved();
      // a regular file takes the whole buffer; loop anyway rather than lose a tail
      for (let off = 0; off < b.length; ) {
        const n = writeSync(fd, b, off);
        if (n <= 0) throw new Error('short write');
        off += n;
      }
    } catch (err) {
      env.count('file_write_error');
      env.debug(`log handler ${name}: ${(err as Error).message}`);
    }
  };
  return {
    name,
    handle(line) {
      buf += `${fmt(line)}\n`;
    },
    flush,
    close: async () => {
      flush();
      try {
        closeSync(fd);
      } catch {}
    },
  };
}
