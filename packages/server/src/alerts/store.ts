/**
 * Alert persistence and grouping. A detection for the same rule and group key while an alert
 * is open (new or acknowledged) and within the grouping window since its last_seen adds to
 * that alert (count, last_seen, sample ids) instead of creating one, so one attacker's burst
 * is one alert. Raises for one (rule, key) are serialised in-process so a burst arriving in
 * parallel cannot open two alerts.
 */
import { KyokaError, newId } from '@kyoka/core';
import { type Kysely, sql } from 'kysely';
import { guard, parseJson, updated } from '../sensors/db.ts';
import { compiled } from '../store/compiled-query.ts';
import type { AlertDB, AlertKysely } from './db.ts';
import {
  type Alert,
  type AlertChange,
  type AlertFilter,
  type AlertStatus,
  type Page,
  type RaiseInput,
  toSeverity,
} from './types.ts';

/** How many event ids an alert keeps as its sample. */
export const SAMPLE_CAP = 20;
const MAX_TEXT = 512;

type Row = AlertDB['alerts'];
const iso = (ms: number) => new Date(Number(ms)).toISOString();

export function alertView(r: Row): Alert {
  return {
    id: r.id,
    rule_id: r.rule_id,
    rule_title: r.rule_title,
    severity: toSeverity(r.severity),
    tags: parseJson<string[]>(r.tags, []),
    group_key: r.group_key,
    group: parseJson<Record<string, string | number>>(r.group_fields, {}),
    status: r.status as AlertStatus,
    count: Number(r.count),
    first_seen: iso(r.first_seen),
    last_seen: iso(r.last_seen),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    events: parseJson<string[]>(r.events, []),
    decision_id: r.decision_id,
  };
}

function timeOf(s: string, fallback: number): number {
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : fallback;
}

const clip = (s: string, n = MAX_TEXT) => (s.length > n ? s.slice(0, n) : s);

/** Group values are attacker data: bounded strings/numbers only. */
function cleanGroup(g: Record<string, string | number>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(g ?? {}).slice(0, 16)) {
    out[clip(String(k), 128)] = typeof v === 'number' && Number.isFinite(v) ? v : clip(String(v));
  }
  return out;
}

export function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The raise path's statements, compiled once (see store/compiled-query.ts). */
const Q = {
  open: compiled<AlertDB, { rule_id: string; group_key: string; since: number }, Row>((db, p) =>
    db
      .selectFrom('alerts')
      .selectAll()
      .where('rule_id', '=', p.rule_id)
      .where('group_key', '=', p.group_key)
      .where('status', '!=', 'closed')
      .where('last_seen', '>=', p.since)
      .orderBy('last_seen', 'desc')
      .limit(1),
  ),
  grow: compiled<
    AlertDB,
    Pick<Row, 'id' | 'count' | 'last_seen' | 'first_seen' | 'events' | 'updated_at' | 'decision_id'>
  >((db, p) =>
    db
      .updateTable('alerts')
      .set({
        count: p.count,
        last_seen: p.last_seen,
        first_seen: p.first_seen,
        events: p.events,
        updated_at: p.updated_at,
        decision_id: p.decision_id,
      })
      .where('id', '=', p.id),
  ),
  insert: compiled<AlertDB, Row>((db, p) =>
    db.insertInto('alerts').values({
      id: p.id,
      rule_id: p.rule_id,
      rule_title: p.rule_title,
      severity: p.severity,
      tags: p.tags,
      group_key: p.group_key,
      group_fields: p.group_fields,
      group_text: p.group_text,
      status: p.status,
      count: p.count,
      first_seen: p.first_seen,
      last_seen: p.last_seen,
      created_at: p.created_at,
      updated_at: p.updated_at,
      events: p.events,
      decision_id: p.decision_id,
    }),
  ),
};

export class AlertStore {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    readonly db: AlertKysely,
    private readonly opts: { windowMs: number; now: () => number },
  ) {}

  /** Creates or grows the alert for d's rule and key; see the header for the rule. */
  raise(d: RaiseInput): Promise<AlertChange> {
    const k = `${d.rule.id}\u0000${d.key}`;
    const prev = this.chains.get(k) ?? Promise.resolve();
    const run = prev.then(
      () => this.raiseNow(d),
      () => this.raiseNow(d),
    );
    this.chains.set(k, run);
    const done = () => {
      if (this.chains.get(k) === run) this.chains.delete(k);
    };
    run.then(done, done);
    return run;
  }

  /**
   * Raises several detections in ONE transaction, in order (the rule engine's alerts of a
   * burst: one commit instead of one per alert). Waits for in-flight raises of the same keys.
   */
  raiseMany(ds: RaiseInput[]): Promise<AlertChange[]> {
    if (!ds.length) return Promise.resolve([]);
    const keys = [...new Set(ds.map((d) => `${d.rule.id}\u0000${d.key}`))];
    const before = Promise.allSettled(keys.map((k) => this.chains.get(k)));
    const run = before.then(() =>
      guard('alert', () =>
        this.db.transaction().execute(async (trx) => {
          const out: AlertChange[] = [];
          for (const d of ds) out.push(await this.raiseNow(d, trx));
          return out;
        }),
      ),
    );
    for (const k of keys) {
      this.chains.set(k, run);
      const done = () => {
        if (this.chains.get(k) === run) this.chains.delete(k);
      };
      run.then(done, done);
    }
    return run;
  }

  private async raiseNow(d: RaiseInput, db: Kysely<AlertDB> = this.db): Promise<AlertChange> {
    const now = this.opts.now();
    const first = timeOf(d.first, now);
    const last = Math.max(first, timeOf(d.last, now));
    const count = Math.max(1, Math.floor(Number(d.count) || 0));
    const ids = [...new Set(d.events.map(String))].slice(0, SAMPLE_CAP);
    return guard('alert', async () => {
      const open = (await Q.open.run(db, { rule_id: d.rule.id, group_key: d.key, since: first - this.opts.windowMs }))
        .rows[0];
      if (open) {
        const sample = [...new Set([...parseJson<string[]>(open.events, []), ...ids])].slice(0, SAMPLE_CAP);
        const next = {
          count: Number(open.count) + count,
          last_seen: Math.max(Number(open.last_seen), last),
          first_seen: Math.min(Number(open.first_seen), first),
          events: JSON.stringify(sample),
          updated_at: now,
          decision_id: open.decision_id || (d.decisionId != null ? String(d.decisionId) : null),
        };
        await Q.grow.run(db, { ...next, id: open.id });
        return { alert: alertView({ ...open, ...next }), created: false, previousCount: Number(open.count) };
      }
      const group = cleanGroup(d.group);
      const row: Row = {
        id: newId(),
        rule_id: clip(d.rule.id, 200),
        rule_title: clip(d.rule.title || d.rule.id),
        severity: toSeverity(String(d.rule.severity ?? 'medium')),
        tags: JSON.stringify((d.rule.tags ?? []).slice(0, 32).map((t) => clip(String(t), 64))),
        group_key: d.key,
        group_fields: JSON.stringify(group),
        group_text: Object.values(group).join('\n').toLowerCase(),
        status: 'new',
        count,
        first_seen: first,
        last_seen: last,
        created_at: now,
        updated_at: now,
        events: JSON.stringify(ids),
        decision_id: d.decisionId != null ? String(d.decisionId) : null,
      };
      await Q.insert.run(db, row);
      return { alert: alertView(row), created: true, previousCount: 0 };
    });
  }

  async list(filter: AlertFilter, page: Page): Promise<{ alerts: Alert[]; total: number }> {
    return guard('alerts', async () => {
      let q = this.db.selectFrom('alerts');
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.severity) q = q.where('severity', '=', filter.severity);
      if (filter.rule) q = q.where('rule_id', '=', filter.rule);
      if (filter.from !== undefined) q = q.where('last_seen', '>=', filter.from);
      if (filter.to !== undefined) q = q.where('last_seen', '<', filter.to);
      if (filter.q) q = q.where(sql<boolean>`group_text LIKE ${likePattern(filter.q)} ESCAPE '\\'`);
      const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
      const rows = await q
        .selectAll()
        .orderBy('last_seen', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { alerts: rows.map(alertView), total: Number(total?.n ?? 0) };
    });
  }

  async get(id: string): Promise<Alert | null> {
    const r = await guard('alert', () =>
      this.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return r ? alertView(r) : null;
  }

  async setStatus(id: string, status: AlertStatus): Promise<Alert> {
    const n = await guard('alert', async () =>
      updated(
        await this.db.updateTable('alerts').set({ status, updated_at: this.opts.now() }).where('id', '=', id).execute(),
      ),
    );
    if (n === 0) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such alert');
    return (await this.get(id)) as Alert;
  }
}
