/**
 * Heartbeat loop of an agent or WAF node: POST /api/v1/agents/heartbeat with its status every
 * interval (the first one at once). Failures are counted and retried at the next tick; a
 * 401/403 means the node was removed in the console and is reported through `onRevoked`.
 */

export interface HeartbeatOptions {
  serverUrl: string;
  apiKey: () => string | null;
  intervalMs: number;
  status: () => Record<string, unknown>;
  onOk?: () => void;
  onRevoked?: () => void;
  log?: (msg: string, extra?: object) => void;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  sent = 0;
  failed = 0;

  constructor(private readonly o: HeartbeatOptions) {}

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.o.intervalMs);
    this.timer.unref();
  }

  /** Sends one heartbeat now (skipped while one is in flight). */
  beat(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = this.send().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async send(): Promise<void> {
    const key = this.o.apiKey();
    if (!key) return;
    try {
      const res = await fetch(new URL('/api/v1/agents/heartbeat', this.o.serverUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: this.o.status() }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 401 || res.status === 403) {
        this.failed++;
        this.o.onRevoked?.();
        return;
      }
      if (res.status >= 300) throw new Error(`HTTP ${res.status}`);
      this.sent++;
      this.o.onOk?.();
    } catch (err) {
      this.failed++;
      this.o.log?.('heartbeat failed', { error: (err as Error).message });
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inflight?.catch(() => {});
  }
}
