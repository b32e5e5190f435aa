/** Per-log-source health for the console: counts and last-seen, kept in memory, saved now and then. */
import type { MetaStore } from '../store/types.ts';

export interface SourceInfo {
  name: string;
  type: string;
  transport: string;
  port: number | null;
}
export interface SourceStat extends SourceInfo {
  events: number;
  bytes: number;
  parseErrors: number;
  lastSeen: number | null;
}

const KEY = 'source-stats';

export class SourceStats {
  private readonly stats = new Map<string, SourceStat>();

  constructor(private readonly meta: MetaStore) {}

  async load(): Promise<void> {
    const saved = (await this.meta.getSetting<SourceStat[]>(KEY)) ?? [];
    for (const s of saved) if (!this.stats.has(s.name)) this.stats.set(s.name, { ...s });
  }

  /** Declares a source (listener or receiver) so it shows before its first event. */
  register(info: SourceInfo): void {
    const cur = this.stats.get(info.name);
    if (cur) Object.assign(cur, info);
    else this.stats.set(info.name, { ...info, events: 0, bytes: 0, parseErrors: 0, lastSeen: null });
  }

  private get(name: string): SourceStat {
    let s = this.stats.get(name);
    if (!s) {
      s = { name, type: 'json', transport: 'http', port: null, events: 0, bytes: 0, parseErrors: 0, lastSeen: null };
      this.stats.set(name, s);
    }
    return s;
  }

  received(name: string, events: number, bytes: number, now = Date.now()): void {
    const s = this.get(name);
    s.events += events;
    s.bytes += bytes;
    if (events > 0) s.lastSeen = now;
  }

  failed(name: string, n = 1): void {
    this.get(name).parseErrors += n;
  }

  list(): SourceStat[] {
    // code-unit order: the first localeCompare() loads ICU's collator, a 20 ms stall mid-ingest
    return [...this.stats.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  save(): Promise<void> {
    return this.meta.setSetting(KEY, this.list());
  }
}
