/**
 * The `journald` collector: follows `journalctl --follow --output=json --unit=<unit>` (spawned
 * with an argument array, never a shell; the unit is validated so it cannot read as an option).
 * The last entry's __CURSOR is saved, so a restart resumes with --after-cursor without loss or
 * repeats; on first sight it starts at the end (--lines=0). A missing journalctl, or one that
 * exits, is an error of this collector only: it is counted, logged and retried with backoff.
 * event.original is the entry's MESSAGE (what auth.log would show after the header).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type EventInput, programParser } from '@kyoka/core';
import { baseEvent, child } from '@kyoka/core/parsers/util';
import { backoff, type CollectorsOptions, createSaver, createSink, type RunningCollector } from './common.ts';
import type { JournaldCollectorConfig } from './config.ts';
import { LineSplitter } from './line-splitter.ts';
import { sshdMessageToEvent } from './parsers/index.ts';
import type { StateStore } from './state.ts';

const CURSOR_RE = /^[\x21-\x7e]{1,512}$/;

type Entry = Record<string, unknown>;

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  // journald gives non-UTF-8 fields as byte arrays
  if (Array.isArray(v) && v.length <= 65536 && v.every((b) => Number.isInteger(b) && b >= 0 && b < 256))
    return Buffer.from(v as number[]).toString('utf8');
  return undefined;
}

export function journalEntryToEvent(
  e: Entry,
  format: JournaldCollectorConfig['format'],
  ctx: Parameters<typeof baseEvent>[1],
): EventInput | undefined {
  const msg = text(e.MESSAGE);
  if (msg === undefined || msg.length === 0) return undefined;
  const ident = text(e.SYSLOG_IDENTIFIER) ?? text(e._COMM);
  let ev: EventInput;
  if (format === 'sshd') {
    ev = sshdMessageToEvent(msg, ctx, 'journald');
  } else {
    const p = programParser(ident);
    ev = baseEvent(msg, ctx, p?.name ?? 'journald', 'journald');
    if (!p?.apply(msg, ev)) {
      child(ev, 'event').action = 'journald.message';
      ev.message = msg;
    }
  }
  const us = Number(text(e.__REALTIME_TIMESTAMP));
  if (Number.isSafeInteger(us) && us > 0) ev['@timestamp'] = new Date(Math.floor(us / 1000)).toISOString();
  const proc = child(ev, 'process');
  if (ident !== undefined) proc.name = ident.slice(0, 64);
  const pid = Number(text(e._PID) ?? text(e.SYSLOG_PID));
  if (Number.isSafeInteger(pid) && pid > 0) proc.pid = pid;
  const host = text(e._HOSTNAME);
  if (host !== undefined) child(ev, 'host').hostname = host.slice(0, 255);
  const unit = text(e._SYSTEMD_UNIT);
  if (unit !== undefined) child(child(ev, 'kyoka'), 'journald').unit = unit.slice(0, 256);
  return ev;
}

export function createJournaldCollector(
  name: string,
  cfg: JournaldCollectorConfig,
  opts: CollectorsOptions,
  store: StateStore,
): RunningCollector {
  const sink = createSink(
    { name, type: 'journald', target: cfg.unit, lines: 0, events: 0, errors: 0, dropped: 0, connected: false },
    opts,
  );
  const saver = createSaver(store, name, opts.saveMs ?? 1000, sink);
  const retry = backoff(opts.retryMs ?? 500, opts.maxRetryMs ?? 30_000);
  let cursor: string | undefined;
  let proc: ChildProcess | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const splitter = new LineSplitter(onLine, opts.maxLineBytes ?? 256 * 1024);

  function onLine(line: string, cut: boolean): void {
    sink.stats.lines++;
    if (cut) {
      sink.stats.dropped++; // a cut JSON entry cannot be parsed
      return;
    }
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      sink.stats.errors++;
      sink.stats.dropped++;
      return;
    }
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return;
    const entry = e as Entry;
    sink.parse(() => journalEntryToEvent(entry, cfg.format, sink.ctx()));
    if (typeof entry.__CURSOR === 'string' && CURSOR_RE.test(entry.__CURSOR)) {
      cursor = entry.__CURSOR;
      saver.update({ unit: cfg.unit, cursor });
    }
  }

  function again(why: string, extra?: object): void {
    sink.stats.connected = false;
    proc = undefined;
    if (stopping) return;
    sink.stats.errors++;
    const delay = retry.next();
    sink.log(`journald collector: ${why}; retrying in ${delay} ms`, extra);
    timer = setTimeout(run, delay);
    timer.unref();
  }

  function run(): void {
    timer = undefined;
    if (stopping) return;
    const args = ['--follow', '--output=json', '--no-pager', '--quiet', `--unit=${cfg.unit}`];
    args.push(cursor !== undefined ? `--after-cursor=${cursor}` : '--lines=0');
    splitter.reset();
    let p: ChildProcess;
    try {
      p = spawn(opts.journalctl ?? 'journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      again('could not start journalctl', { error: (err as Error).message });
      return;
    }
    proc = p;
    let stderr = '';
    p.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2048) stderr += d.toString('utf8');
    });
    p.stdout?.on('data', (d: Buffer) => {
      if (!sink.stats.connected) retry.reset();
      sink.stats.connected = true;
      splitter.push(d);
    });
    p.once('spawn', () => {
      sink.stats.connected = true;
    });
    p.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') again('journalctl not found (is systemd installed? use a file collector instead)');
      else again('journalctl failed', { error: err.message });
    });
    p.once('close', (code, signal) => {
      if (proc !== p) return; // already handled by 'error'
      again('journalctl exited', { code, signal, stderr: stderr.trim().slice(0, 512) });
    });
  }

  return {
    async start() {
      const saved = store.load<{ unit?: string; cursor?: unknown }>(name);
      if (saved?.unit === cfg.unit && typeof saved.cursor === 'string' && CURSOR_RE.test(saved.cursor))
        cursor = saved.cursor;
      stopping = false;
      run();
    },
    async stop() {
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      const p = proc;
      if (p !== undefined && p.exitCode === null && p.signalCode === null) {
        const closed = new Promise<void>((resolve) => p.once('close', () => resolve()));
        p.kill('SIGTERM');
        const kill = setTimeout(() => p.kill('SIGKILL'), 2000);
        await closed;
        clearTimeout(kill);
      }
      proc = undefined;
      sink.stats.connected = false;
      await saver.flush();
    },
    stats: () => ({ ...sink.stats, capped: splitter.capped }),
  };
}
