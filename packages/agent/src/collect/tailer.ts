/**
 * A small file tailer, written here because the tail libraries on npm do not keep offsets
 * across restarts together with rotation: they follow a path, not a (dev, inode, first bytes)
 * identity, so after a restart they either re-read the file or lose what rotated away.
 *
 * - Identity: dev + inode + the first bytes (up to 64) of the file. A saved offset is only
 *   trusted for the same file; a file replaced while the agent was down is detected, the old
 *   one looked for in the same directory (`vsftpd.log.1`) and finished first.
 * - Rotation by rename: the old file is finished (and kept open for a grace period, because
 *   daemons write to it until told to reopen), then the new file at the path is read from 0.
 * - copytruncate / truncation: the size shrinks, or the first bytes change → read from 0.
 *   NUL runs (the hole a non-O_APPEND writer leaves after a truncate) are skipped.
 * - Partial last lines are held until their newline; CRLF is stripped; lines longer than
 *   maxLineBytes are cut (the prefix is delivered once, the rest skipped, the line counted).
 * - Changes are noticed by fs.watch on the directory (renames and creates show there) with a
 *   polling fallback: inotify watches can run out or be unsupported (NFS, overlay oddities).
 * Memory is bounded: one read buffer and at most maxLineBytes of held partial line; lines are
 * handed over synchronously, so a slow consumer slows reading instead of growing a queue.
 */
import { type FSWatcher, watch as fsWatch } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Tailer, TailerOptions, TailerStats, TailState } from './tailer-types.ts';

export type { Tailer, TailerOptions, TailerStats, TailState } from './tailer-types.ts';

const HEAD_BYTES = 64;

interface Open {
  fh: FileHandle;
  dev: number;
  ino: number;
  /** Byte position after the last complete line handed over. */
  offset: number;
  /** Byte position read up to (offset + held partial line + skipped bytes). */
  readPos: number;
  head: Buffer;
  pending: Buffer[];
  pendingLen: number;
  /** Inside an over-long line: drop bytes until the next newline. */
  skipping: boolean;
}

function isEnoent(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export function createTailer(opts: TailerOptions): Tailer {
  const pollMs = opts.pollMs ?? 1000;
  const maxLine = opts.maxLineBytes ?? 32 * 1024;
  const buf = Buffer.allocUnsafe(opts.chunkBytes ?? 64 * 1024);
  const graceMs = opts.rotateGraceMs ?? 5000;
  const log = opts.log ?? (() => {});
  const st: TailerStats = { lines: 0, capped: 0, errors: 0, rotations: 0, truncations: 0, offset: 0 };
  let cur: Open | undefined;
  let prev: { file: Open; until: number } | undefined;
  let stopped = true;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  /** Where to begin when the first open failed for another reason than a missing file. */
  let retryFrom: 'start' | 'end' = 'start';

  async function openFile(path: string, at: 'start' | 'end' | number): Promise<Open | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if (isEnoent(err)) return undefined;
      throw err;
    }
    const s = await fh.stat();
    const head = await readHead(fh, Math.min(HEAD_BYTES, s.size));
    const pos = at === 'start' ? 0 : at === 'end' ? s.size : at;
    return { fh, dev: s.dev, ino: s.ino, offset: pos, readPos: pos, head, pending: [], pendingLen: 0, skipping: false };
  }

  async function readHead(fh: FileHandle, n: number): Promise<Buffer> {
    if (n <= 0) return Buffer.alloc(0);
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  }

  function deliver(line: Buffer): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === 13) end--; // CRLF
    let start = 0;
    while (start < end && line[start] === 0) start++;
    if (start >= end) return;
    st.lines++;
    opts.onLine(line.toString('utf8', start, end));
  }

  function hold(f: Open, part: Buffer): void {
    let p = part;
    if (f.pendingLen === 0) {
      let i = 0;
      while (i < p.length && p[i] === 0) i++; // NUL hole from copytruncate
      p = p.subarray(i);
      if (p.length === 0) return;
    }
    if (f.pendingLen + p.length <= maxLine) {
      f.pending.push(Buffer.from(p)); // copy: the read buffer is reused
      f.pendingLen += p.length;
      return;
    }
    const take = p.subarray(0, maxLine - f.pendingLen);
    deliver(Buffer.concat([...f.pending, take]));
    st.capped++;
    f.pending = [];
    f.pendingLen = 0;
    f.skipping = true;
  }

  /** Hands over the bytes just read at f.readPos; advances offsets. */
  function consume(f: Open, data: Buffer): void {
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      const seg = data.subarray(start, nl);
      if (f.skipping) {
        f.skipping = false;
      } else if (f.pendingLen === 0) {
        let i = 0;
        while (i < seg.length && seg[i] === 0) i++; // NUL hole from copytruncate
        const line = seg.subarray(i);
        deliver(line.length > maxLine ? line.subarray(0, maxLine) : line);
        if (line.length > maxLine) st.capped++;
      } else {
        hold(f, seg);
        if (!f.skipping) deliver(Buffer.concat(f.pending, f.pendingLen));
        f.skipping = false;
        f.pending = [];
        f.pendingLen = 0;
      }
      start = nl + 1;
      f.offset = f.readPos + start;
    }
    if (start < data.length && !f.skipping) hold(f, data.subarray(start));
    f.readPos += data.length;
  }

  async function drain(f: Open): Promise<void> {
    for (;;) {
      const { bytesRead } = await f.fh.read(buf, 0, buf.length, f.readPos);
      if (bytesRead === 0) return;
      consume(f, buf.subarray(0, bytesRead));
      if (f.head.length < HEAD_BYTES) f.head = await readHead(f.fh, HEAD_BYTES);
      if (stopped) return;
    }
  }

  /** A file that is finished for good: its unterminated last line is a line too. */
  async function finish(f: Open): Promise<void> {
    try {
      await drain(f);
      if (f.pendingLen > 0 && !f.skipping) deliver(Buffer.concat(f.pending, f.pendingLen));
    } finally {
      await f.fh.close().catch(() => {});
    }
  }

  function reset(f: Open, why: string): void {
    st.truncations++;
    log('collector file truncated, reading it from the start', { path: opts.path, why });
    f.offset = 0;
    f.readPos = 0;
    f.pending = [];
    f.pendingLen = 0;
    f.skipping = false;
  }

  function publish(): void {
    if (cur === undefined) return;
    st.offset = cur.offset;
    opts.onState?.({ dev: cur.dev, ino: cur.ino, offset: cur.offset, head: cur.head.toString('hex') });
  }

  async function check(): Promise<void> {
    if (prev !== undefined) {
      await drain(prev.file);
      if (Date.now() >= prev.until) {
        const done = prev.file;
        prev = undefined;
        await finish(done);
      }
    }
    if (cur === undefined) {
      // A file that appeared after we started is all new: read it from the start.
      cur = await openFile(opts.path, retryFrom);
      if (cur === undefined) return;
      retryFrom = 'start';
    }
    let pathStat: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      pathStat = await stat(opts.path);
    } catch (err) {
      if (!isEnoent(err)) throw err;
    }
    if (pathStat !== undefined && (pathStat.ino !== cur.ino || pathStat.dev !== cur.dev)) {
      const next = await openFile(opts.path, 'start');
      if (next !== undefined) {
        st.rotations++;
        log('collector file rotated, following the new file', { path: opts.path });
        await drain(cur);
        if (prev !== undefined) await finish(prev.file);
        prev = { file: cur, until: Date.now() + graceMs };
        cur = next;
      }
    }
    const size = (await cur.fh.stat()).size;
    if (size < cur.readPos) {
      reset(cur, 'size shrank');
    } else if (size > cur.readPos && cur.head.length > 0) {
      const now = await readHead(cur.fh, cur.head.length);
      if (!now.equals(cur.head)) reset(cur, 'first bytes changed');
    }
    if (cur.readPos === 0) cur.head = await readHead(cur.fh, Math.min(HEAD_BYTES, size));
    const before = cur.offset;
    await drain(cur);
    if (cur.offset !== before || cur.readPos === 0) publish();
  }

  function schedule(): void {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await check();
        } catch (err) {
          st.errors++;
          log('collector file read failed', { path: opts.path, error: (err as Error).message });
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
  }

  /** Restores a saved position; finishes a file that was rotated away while we were down. */
  async function resume(s: TailState): Promise<void> {
    const head = Buffer.from(s.head, 'hex');
    const same = async (f: Open): Promise<boolean> =>
      f.dev === s.dev && f.ino === s.ino && (await readHead(f.fh, head.length)).equals(head);
    const f = await openFile(opts.path, 'start');
    if (f !== undefined && (await same(f))) {
      const size = (await f.fh.stat()).size;
      if (s.offset <= size) {
        f.offset = s.offset;
        f.readPos = s.offset;
      } else {
        reset(f, 'smaller than the saved offset');
      }
      cur = f;
      return;
    }
    // Replaced while we were down: look for the old file (same dev+inode) beside it.
    const dir = dirname(opts.path);
    const base = basename(opts.path);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(base) || name === base) continue;
      const old = await openFile(join(dir, name), 'start').catch(() => undefined);
      if (old === undefined) continue;
      if ((await same(old)) && s.offset <= (await old.fh.stat()).size) {
        old.offset = s.offset;
        old.readPos = s.offset;
        st.rotations++;
        log('collector file rotated while stopped, finishing the old one', { path: join(dir, name) });
        await finish(old);
        break;
      }
      await old.fh.close();
    }
    cur = f;
  }

  return {
    async start() {
      stopped = false;
      try {
        if (opts.state !== undefined) await resume(opts.state);
        else cur = await openFile(opts.path, opts.from);
      } catch (err) {
        st.errors++;
        retryFrom = opts.state !== undefined ? 'start' : opts.from;
        log('collector could not open its file; will retry', { path: opts.path, error: (err as Error).message });
      }
      if (cur !== undefined) publish();
      try {
        const base = basename(opts.path);
        // Only this file's name (and its rotated names: "app.log.1") wakes the tailer.
        watcher = fsWatch(dirname(opts.path), { persistent: false }, (_ev, name) => {
          if (name === null || String(name).startsWith(base)) schedule();
        });
        watcher.on('error', () => {
          watcher?.close();
          watcher = undefined; // polling goes on
        });
      } catch {
        watcher = undefined; // directory missing or no inotify: polling only
      }
      timer = setInterval(schedule, pollMs);
      timer.unref();
      schedule();
      await running;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      watcher?.close();
      watcher = undefined;
      // A running pass ends at the next chunk boundary; offsets only count complete lines.
      while (running !== undefined) await running;
      publish();
      if (prev !== undefined) await prev.file.fh.close().catch(() => {});
      if (cur !== undefined) await cur.fh.close().catch(() => {});
      prev = undefined;
      cur = undefined;
    },
    stats: () => ({ ...st, offset: cur?.offset ?? st.offset }),
    state: () =>
      cur === undefined
        ? undefined
        : { dev: cur.dev, ino: cur.ino, offset: cur.offset, head: cur.head.toString('hex') },
  };
}
