/**
 * A long-lived `nft -i` child for small set updates: spawning `nft -f -` per batch costs ~5 ms of
 * CPU (fork of the agent, exec, library loading, netlink setup) before any work, which made the
 * process start the largest part of a decision's way into the kernel.
 *
 * Protocol (checked on nft 1.0.6 / libedit): each input line is run by libnftables as one buffer,
 * i.e. one netlink batch, so a line of `;`-separated commands is one atomic transaction. nft says
 * nothing on success, so every transaction line is followed by a sentinel line (`kyoka-ack-<n>`)
 * that is a syntax error: parsed in user space only (no kernel round trip), and its error echoes
 * the sentinel on stderr after anything the transaction itself printed there. What stderr holds
 * between two sentinels is the transaction's own output; an `Error:` line in it means the kernel
 * (or nft) refused the transaction and nothing of it was applied.
 *
 * Limits: libedit reads a non-terminal one byte per read(2) (~2 µs per byte), so long scripts
 * (resets, bulk) still go through `nft -f -` (see nft-backend.ts); libedit also keeps every line
 * in its history, so the child is replaced after `recycleBytes` of input. HOME points nowhere so
 * no ~/.nft.history is read or written. A child that exits or stops answering fails the pending
 * transaction as `broken` (the caller re-runs it with `nft -f -`: the update scripts are written
 * to be idempotent) and is replaced on next use.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { CommandResult, ProcessOpener } from './types.ts';

const ACK = 'kyoka-ack-';
const ACK_LINE = /^kyoka-ack-(\d+)$/;
/** The caret line nft prints under the echoed sentinel. */
const CARETS = /^\s*\^[\^~]*\s*$/;

/**
 * Splits the session's stderr into per-transaction output. Feed it chunks; it calls `done(seq,
 * lines)` once per sentinel with the lines the transaction printed (the sentinel's own error
 * header and caret line removed).
 */
export class AckParser {
  private partial = '';
  private lines: string[] = [];
  private skipCarets = false;

  constructor(private readonly done: (seq: number, lines: string[]) => void) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.line(line);
  }

  private line(line: string): void {
    const m = ACK_LINE.exec(line);
    if (m) {
      // The line before the echoed sentinel is its own "Error: syntax error ..." header.
      const last = this.lines[this.lines.length - 1];
      if (last?.startsWith('Error:')) this.lines.pop();
      const out = this.lines;
      this.lines = [];
      this.skipCarets = true;
      this.done(Number(m[1]), out);
      return;
    }
    if (this.skipCarets) {
      this.skipCarets = false;
      if (CARETS.test(line)) return;
    }
    this.lines.push(line);
  }
}

/** One script as one line: commands separated by `;` (nft runs a line as one transaction). */
export function sessionLine(script: string): string {
  return script
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
}

export interface NftSessionOptions {
  open: ProcessOpener;
  /** No answer within this time: the child is killed and the transaction fails. */
  timeoutMs?: number;
  /** Input after which the child is replaced (libedit keeps every line in memory). */
  recycleBytes?: number;
  log?: (msg: string, extra?: object) => void;
}

/** `broken`: the session failed, not the transaction; whether it was committed is unknown. */
export type SessionResult = CommandResult & { broken?: true };

export interface NftSession {
  /** Runs one script as one transaction; code 0 = committed, otherwise stderr says why. */
  run(script: string): Promise<SessionResult>;
  /** Starts the child now (so the first decision does not wait for nft to start). */
  warm(): void;
  /** Transactions answered by the session (for stats and tests). */
  readonly transactions: number;
  close(): Promise<void>;
}

interface Pending {
  seq: number;
  resolve: (r: SessionResult) => void;
  timer: NodeJS.Timeout;
}

interface Child {
  proc: ChildProcessWithoutNullStreams;
  pending: Pending[];
  bytes: number;
  dead: boolean;
}

export function createNftSession(o: NftSessionOptions): NftSession {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const recycleBytes = o.recycleBytes ?? 4 * 1024 * 1024;
  let child: Child | null = null;
  let seq = 0;
  let transactions = 0;
  let closed = false;

  const fail = (c: Child, why: string) => {
    if (c.dead) return;
    c.dead = true;
    if (child === c) child = null;
    for (const p of c.pending.splice(0)) {
      clearTimeout(p.timer);
      p.resolve({ code: 1, stdout: '', stderr: `nft session: ${why}`, broken: true });
    }
    c.proc.stdin.end();
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  };

  const start = (): Child => {
    const proc = o.open('nft', ['-i'], { ...process.env, HOME: '/nonexistent' });
    const c: Child = { proc, pending: [], bytes: 0, dead: false };
    const parser = new AckParser((n, lines) => {
      const p = c.pending[0];
      if (!p || p.seq !== n) return fail(c, `answer out of order (${n})`);
      c.pending.shift();
      clearTimeout(p.timer);
      transactions++;
      const errored = lines.some((l) => l.startsWith('Error:'));
      const text = lines.join('\n');
      if (text.trim() && !errored) o.log?.('nft session: output on success', { output: text.slice(0, 300) });
      p.resolve({ code: errored ? 1 : 0, stdout: '', stderr: text });
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d: string) => parser.push(d));
    proc.stdout.resume(); // nothing expected; never let the pipe fill
    proc.stdin.on('error', (e) => fail(c, `stdin: ${e.message}`));
    proc.on('error', (e) => fail(c, e.message));
    proc.on('exit', (code, sig) => fail(c, `exited (${sig ?? code})`));
    return c;
  };

  return {
    get transactions() {
      return transactions;
    },
    warm() {
      if (!closed) child ??= start();
    },
    run(script) {
      const line = sessionLine(script);
      if (!line) return Promise.resolve({ code: 0, stdout: '', stderr: '' });
      if (closed) return Promise.resolve({ code: 1, stdout: '', stderr: 'nft session closed', broken: true });
      if (child && child.bytes > recycleBytes && !child.pending.length) {
        const old = child;
        child = null;
        old.dead = true;
        old.proc.stdin.end(); // EOF: nft exits by itself
      }
      child ??= start();
      const c = child;
      const n = ++seq;
      return new Promise<SessionResult>((resolve) => {
        const timer = setTimeout(() => fail(c, `no answer in ${timeoutMs} ms`), timeoutMs);
        c.pending.push({ seq: n, resolve, timer });
        const input = `${line}\n${ACK}${n}\n`;
        c.bytes += input.length;
        c.proc.stdin.write(input);
      });
    },
    async close() {
      closed = true;
      const c = child;
      child = null;
      if (!c || c.dead) return;
      const exited = new Promise<void>((r) => {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) r();
        else c.proc.once('exit', () => r());
      });
      c.proc.stdin.end();
      const t = setTimeout(() => fail(c, 'did not exit at close'), 2000);
      await exited;
      clearTimeout(t);
      c.dead = true;
    },
  };
}
