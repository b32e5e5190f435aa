/**
 * Client of the server's decision push stream (GET /api/v1/decisions/stream, Server-Sent
 * Events). Changes are handed to `onBatch` in order, coalesced while the consumer is busy (a
 * kernel set update takes milliseconds; a burst of 1,000 decisions becomes a few batches, not
 * 1,000 updates). A `reset` from the server (first connect, or too far behind) is buffered until
 * `synced` and delivered as one replacing batch, so the consumer never sees half a live set.
 * Reconnects with backoff and resumes with Last-Event-ID. The live set and position are cached
 * in `cacheFile`, so a node restarted while the server is unreachable enforces its last known
 * decisions (expired ones dropped) until the stream is back.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SseParser } from './sse.ts';
import type { DecisionBatch, DecisionView } from './types.ts';

export interface DecisionStreamOptions {
  serverUrl: string;
  /** Read on every connect: the key may arrive after enrollment. */
  apiKey: () => string | null;
  onBatch: (batch: DecisionBatch) => Promise<void> | void;
  cacheFile?: string;
  log?: (msg: string, extra?: object) => void;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** The connection is considered dead when nothing (not even a heartbeat) arrives for this long. */
  idleTimeoutMs?: number;
}

export interface StreamStatus {
  connected: boolean;
  last_seq: number | null;
  decisions: number;
  batches: number;
  reconnects: number;
  malformed: number;
  /** Milliseconds between a decision's creation on the server and its delivery (last batch). */
  lag_ms: number | null;
  last_error: string | null;
}

interface Cache {
  seq: number | null;
  decisions: DecisionView[];
}

function isView(v: unknown): v is DecisionView {
  const d = v as DecisionView;
  return (
    !!d &&
    typeof d === 'object' &&
    Number.isSafeInteger(d.id) &&
    typeof d.value === 'string' &&
    typeof d.type === 'string' &&
    typeof d.expires_at === 'string'
  );
}

export class DecisionStream {
  private readonly live = new Map<number, DecisionView>();
  private seq: number | null = null;
  private pending: { reset: boolean; changes: Map<number, { view: DecisionView; gone: boolean }> } = {
    reset: false,
    changes: new Map(),
  };
  /** While a server reset is being received: the new live set, delivered at `synced`. */
  private resetting: Map<number, DecisionView> | null = null;
  private delivering: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private stopped = false;
  private retryMs: number;
  private cacheTimer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly st: StreamStatus = {
    connected: false,
    last_seq: null,
    decisions: 0,
    batches: 0,
    reconnects: 0,
    malformed: 0,
    lag_ms: null,
    last_error: null,
  };

  constructor(private readonly o: DecisionStreamOptions) {
    this.retryMs = o.retryMinMs ?? 250;
  }

  status(): StreamStatus {
    return { ...this.st, last_seq: this.seq, decisions: this.live.size };
  }

  decisions(): DecisionView[] {
    return [...this.live.values()];
  }

  /** Delivers the cached live set (if any), then connects. Resolves once the cache is applied. */
  async start(): Promise<void> {
    const cached = this.readCache();
    if (cached) {
      const now = Date.now();
      this.seq = cached.seq;
      for (const d of cached.decisions) if (Date.parse(d.expires_at) > now) this.live.set(d.id, d);
      this.pending.reset = true;
      await this.flush();
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop?.catch(() => {});
    await this.delivering?.catch(() => {});
    if (this.cacheTimer) {
      clearTimeout(this.cacheTimer);
      this.writeCache();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connectOnce();
        this.st.last_error = 'stream ended';
      } catch (err) {
        if (this.stopped) break;
        this.st.last_error = (err as Error).message;
      }
      this.st.connected = false;
      this.resetting = null; // a reset cut short is discarded whole: the old set stays in force
      if (this.stopped) break;
      this.st.reconnects++;
      this.o.log?.('decision stream: reconnecting', { in_ms: this.retryMs, error: this.st.last_error });
      // the pause ends early when stop() is called (a node stopping must not wait out a backoff)
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.retryMs);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = null;
      this.retryMs = Math.min(this.retryMs * 2, this.o.retryMaxMs ?? 10_000);
    }
  }

  private async connectOnce(): Promise<void> {
    const key = this.o.apiKey();
    if (!key) throw new Error('no API key yet');
    const ac = new AbortController();
    this.abort = ac;
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'text/event-stream' };
    if (this.seq !== null) headers['last-event-id'] = String(this.seq);
    const res = await fetch(new URL('/api/v1/decisions/stream', this.o.serverUrl), { headers, signal: ac.signal });
    if (res.status !== 200 || !res.body) {
      await res.arrayBuffer().catch(() => undefined);
      throw new Error(`decision stream answered ${res.status}`);
    }
    this.st.connected = true;
    this.retryMs = this.o.retryMinMs ?? 250;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const idleMs = this.o.idleTimeoutMs ?? 45_000;
    let idle = setTimeout(() => ac.abort(), idleMs);
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        clearTimeout(idle);
        idle = setTimeout(() => ac.abort(), idleMs);
        for (const f of parser.push(decoder.decode(chunk, { stream: true }))) this.frame(f.event, f.data, f.id);
        if (parser.pending > 1024 * 1024) throw new Error('decision stream: line too long');
        this.kick();
      }
    } finally {
      clearTimeout(idle);
    }
  }

  private frame(event: string, data: string, id: string | null): void {
    if (event === 'reset') {
      this.resetting = new Map();
      return;
    }
    if (event === 'synced') {
      if (this.resetting) {
        this.live.clear();
        for (const [k, v] of this.resetting) this.live.set(k, v);
        this.resetting = null;
        this.pending = { reset: true, changes: new Map() };
      }
      if (id && /^\d+$/.test(id)) this.seq = Number(id);
      return;
    }
    if (event !== 'decision.new' && event !== 'decision.deleted') return;
    let view: unknown;
    try {
      view = JSON.parse(data);
    } catch {
      view = null;
    }
    if (!isView(view)) {
      this.st.malformed++;
      return;
    }
    if (this.resetting) {
      this.resetting.set(view.id, view);
      return;
    }
    const gone = event === 'decision.deleted';
    if (gone) this.live.delete(view.id);
    else this.live.set(view.id, view);
    this.pending.changes.set(view.id, { view, gone });
    if (id && /^\d+$/.test(id)) this.seq = Number(id);
    const created = Date.parse(view.created_at);
    if (!gone && Number.isFinite(created)) this.st.lag_ms = Date.now() - created;
  }

  /** Starts a delivery unless one is running; the running one picks up what accumulated. */
  private kick(): void {
    if (this.delivering) return;
    if (!this.pending.reset && !this.pending.changes.size) return;
    this.delivering = this.flush().finally(() => {
      this.delivering = null;
      this.kick();
    });
  }

  private async flush(): Promise<void> {
    const p = this.pending;
    this.pending = { reset: false, changes: new Map() };
    let batch: DecisionBatch;
    if (p.reset) batch = { reset: true, added: [...this.live.values()], removed: [] };
    else {
      batch = { reset: false, added: [], removed: [] };
      for (const { view, gone } of p.changes.values()) (gone ? batch.removed : batch.added).push(view);
    }
    try {
      await this.o.onBatch(batch);
      this.st.batches++;
    } catch (err) {
      // The consumer keeps its previous state on failure; the next reset (reconnect) repairs it.
      this.o.log?.('decision batch failed', { error: (err as Error).message });
      this.pending.reset = true;
      setTimeout(() => this.kick(), 1000).unref();
    }
    this.scheduleCache();
  }

  private readCache(): Cache | null {
    if (!this.o.cacheFile) return null;
    try {
      const c = JSON.parse(readFileSync(this.o.cacheFile, 'utf8')) as Cache;
      if (!Array.isArray(c.decisions)) return null;
      return { seq: Number.isSafeInteger(c.seq) ? c.seq : null, decisions: c.decisions.filter(isView) };
    } catch {
      return null;
    }
  }

  private scheduleCache(): void {
    if (!this.o.cacheFile || this.cacheTimer) return;
    // Every 10 s at most: during a burst each write serialises the whole live set (30 MB at
    // 100k). A cache a few seconds old is safe: on reconnect the server replays from its seq.
    this.cacheTimer = setTimeout(() => {
      this.cacheTimer = null;
      this.writeCache();
    }, 10_000);
    this.cacheTimer.unref();
  }

  private writeCache(): void {
    const file = this.o.cacheFile;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, JSON.stringify({ seq: this.seq, decisions: [...this.live.values()] }), { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      this.o.log?.('decision cache not written', { error: (err as Error).message });
    }
  }
}
