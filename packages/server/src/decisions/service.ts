/**
 * The decision service: the API other parts use (create / remove / list / active /
 * subscribe). Writes go to the database first, then to the in-memory active set, a bounded
 * ring of recent changes (push-stream resume) and the subscribers, synchronously, so a
 * decision reaches connected push clients as soon as it is committed. Timers expire
 * decisions (deleted_at + a `deleted` change) and pick up changes written by the CLI or
 * another server sharing the database (decision_changes with seq above the last seen).
 */
import { KyokaError } from '@kyoka/core';
import { ActiveSet } from './active-set.ts';
import { DECISION_TYPES, type DecisionKysely, type DecisionRow, type DecisionType, type Origin } from './db.ts';
import { parseValue, Whitelist } from './ip.ts';
import { type Change, DecisionStore, type Escalation, type ListFilter, type NewDecision } from './store.ts';

export type { Change } from './store.ts';

export interface CreateInput {
  value: string;
  type: DecisionType;
  duration_ms: number;
  origin: Origin;
  reason?: string;
  scenario?: string;
  /** Repeat offenders get longer decisions; default: true for rule decisions (origin kyoka). */
  escalate?: boolean;
}

export interface DecisionServiceOptions {
  db: DecisionKysely;
  escalation?: Partial<Escalation>;
  whitelist?: readonly string[];
  /** Changes kept in memory for push-stream resume (default 10,000). */
  ringSize?: number;
  /** How often expiry runs (default 1 s) and external changes are polled (default 2 s). */
  expireEveryMs?: number;
  pollEveryMs?: number;
}

export type Listener = (c: Change) => void;

const MAX_DURATION_MS = 10 * 365 * 86_400_000;

export class DecisionService {
  readonly store: DecisionStore;
  readonly whitelist: Whitelist;
  private readonly mem = new ActiveSet();
  private readonly ring: Change[] = [];
  private readonly ringSize: number;
  private readonly listeners = new Set<Listener>();
  /** Highest seq read from the change log by poll(); own writes above it are in `own`. */
  private pollMark = 0;
  private readonly own = new Set<number>();
  private lastSeq = 0;
  private timers: NodeJS.Timeout[] = [];
  private busy = false;
  private started: Promise<void> | null = null;

  constructor(private readonly opts: DecisionServiceOptions) {
    this.store = new DecisionStore(opts.db, {
      windowMs: opts.escalation?.windowMs ?? 30 * 86_400_000,
      maxMs: opts.escalation?.maxMs ?? 7 * 86_400_000,
    });
    this.whitelist = new Whitelist(opts.whitelist ?? []);
    this.ringSize = opts.ringSize ?? 10_000;
  }

  /** Loads the active set and starts the timers (idempotent). `timers: false` for the CLI. */
  start(o: { timers?: boolean } = {}): Promise<void> {
    this.started ??= (async () => {
      this.pollMark = await this.store.maxSeq();
      this.lastSeq = this.pollMark;
      for (const r of await this.store.loadLive()) this.mem.put(r);
      if (o.timers === false) return;
      const every = (ms: number, fn: () => Promise<unknown>) => {
        const t = setInterval(() => void this.exclusive(fn), ms);
        t.unref();
        this.timers.push(t);
      };
      every(this.opts.expireEveryMs ?? 1000, () => this.expireNow());
      every(this.opts.pollEveryMs ?? 2000, () => this.poll());
    })();
    return this.started;
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.listeners.clear();
  }

  /** Highest change seq this server has announced. */
  get seq(): number {
    return this.lastSeq;
  }

  get size(): number {
    return this.mem.size;
  }

  async create(input: CreateInput): Promise<DecisionRow> {
    const [r] = await this.createMany([input]);
    if (r instanceof Error) throw r;
    return r as DecisionRow;
  }

  /**
   * Creates decisions in one transaction. Each input gets its row, or the KyokaError that
   * refused it (bad value, bad duration, whitelisted) while the others are still created; a
   * store failure rejects the whole call.
   */
  async createMany(inputs: CreateInput[]): Promise<Array<DecisionRow | KyokaError>> {
    const out = new Array<DecisionRow | KyokaError>(inputs.length);
    const valid: NewDecision[] = [];
    const slot: number[] = [];
    inputs.forEach((input, i) => {
      try {
        valid.push(this.check(input));
        slot.push(i);
      } catch (err) {
        out[i] = err instanceof KyokaError ? err : new KyokaError('KYOKA_E_BAD_REQUEST', String(err));
      }
    });
    const made = await this.store.createMany(valid);
    for (let i = 0; i < made.length; i++) {
      const m = made[i] as { decision: DecisionRow; changes: Change[] };
      out[slot[i] as number] = m.decision;
      this.apply(m.changes, true);
    }
    return out;
  }

  /** Validates an input into what the store writes; throws the KyokaError that refuses it. */
  private check(input: CreateInput): NewDecision {
    const v = parseValue(input.value);
    if (!DECISION_TYPES.includes(input.type))
      throw new KyokaError('KYOKA_E_BAD_REQUEST', `type: one of ${DECISION_TYPES.join(', ')}`);
    const dur = Math.round(input.duration_ms);
    if (!Number.isFinite(dur) || dur < 1 || dur > MAX_DURATION_MS)
      throw new KyokaError('KYOKA_E_BAD_REQUEST', 'duration: from 1 ms to 10 years');
    const wl = this.whitelist.match(v);
    if (wl)
      throw new KyokaError('KYOKA_E_FORBIDDEN', `${v.value} is whitelisted (${wl})`, { details: { whitelisted: wl } });
    return {
      value: v.value,
      scope: v.scope,
      type: input.type,
      origin: input.origin,
      reason: (input.reason ?? '').slice(0, 500),
      scenario: (input.scenario ?? (input.origin === 'kyoka' ? '' : `kyoka/${input.origin}`)).slice(0, 200),
      durationMs: dur,
      escalate: input.escalate ?? input.origin === 'kyoka',
    };
  }

  /** Removes live decisions by id or by value (all types); resolves to those removed. */
  async remove(target: number | string): Promise<DecisionRow[]> {
    const where = typeof target === 'number' ? { id: target } : { value: parseValue(target).value };
    const changes = await this.store.markDeleted(await this.store.liveIds(where));
    this.apply(changes, true);
    return changes.map((c) => c.decision);
  }

  list(filter: ListFilter = {}): Promise<DecisionRow[]> {
    const f = { ...filter };
    if (f.value) f.value = parseValue(f.value).value;
    return this.store.list(f);
  }

  /** Live decisions covering an address (exact or by a containing range). Memory only. */
  active(ip: string, now = Date.now()): DecisionRow[] {
    return this.mem.covering(parseValue(ip, 'ip'), now);
  }

  /** Live decisions inside a range (for CrowdSec's ?range= with contains=false). */
  activeWithin(range: string, now = Date.now()): DecisionRow[] {
    return this.mem.within(parseValue(range, 'range'), now);
  }

  /** A snapshot of the whole live set. */
  snapshot(now = Date.now()): DecisionRow[] {
    return [...this.mem.all()].filter((r) => r.expires_at > now);
  }

  /** Calls `fn` for every change from now on; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Changes after `seq` still in the ring, or null when the ring no longer reaches back that far. */
  recent(seq: number): Change[] | null {
    const first = this.ring[0];
    if (!first) return seq >= this.lastSeq ? [] : null;
    if (seq < first.seq - 1) return null;
    return this.ring.filter((c) => c.seq > seq);
  }

  /** Expires what is past its expiry now (also run by the timer). */
  async expireNow(now = Date.now()): Promise<number> {
    const changes = await this.store.markDeleted(this.mem.expired(now), now);
    this.apply(changes, true);
    return changes.length;
  }

  /** Reads changes other writers (CLI, other servers) committed; also run by the timer. */
  async poll(): Promise<number> {
    const changes = await this.store.changesSince(this.pollMark, Number.MAX_SAFE_INTEGER, 10_000);
    const foreign: Change[] = [];
    for (const c of changes) {
      this.pollMark = Math.max(this.pollMark, c.seq);
      if (this.own.delete(c.seq)) continue;
      foreign.push(c);
    }
    for (const s of this.own) if (s <= this.pollMark) this.own.delete(s);
    this.apply(foreign, false);
    return foreign.length;
  }

  private async exclusive(fn: () => Promise<unknown>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await fn();
    } catch (err) {
      console.error('kyoka: decisions:', (err as Error).message);
    } finally {
      this.busy = false;
    }
  }

  private apply(changes: Change[], mine: boolean): void {
    for (const c of changes) {
      if (mine && c.seq > this.pollMark) this.own.add(c.seq);
      // a replayed `new` whose row was deleted since must not re-enter the live set
      if (c.kind === 'deleted' || c.decision.deleted_at !== null) this.mem.delete(c.decision.id);
      else this.mem.put(c.decision);
      this.lastSeq = Math.max(this.lastSeq, c.seq);
      this.ring.push(c);
      if (this.ring.length > this.ringSize) this.ring.splice(0, this.ring.length - this.ringSize);
      for (const fn of this.listeners) {
        try {
          fn(c);
        } catch {
          /* a failing listener must not stop the others */
        }
      }
    }
  }
}
