/**
 * Database side of decisions: the writes (create-or-extend, delete, expire) each run in one
 * transaction that also appends to decision_changes, and return the changes for the caller
 * to apply to memory and announce. Reads for lists, deltas and replay.
 */
import { randomUUID } from 'node:crypto';
import { KyokaError, toKyokaError } from '@kyoka/core';
import type { Transaction } from 'kysely';
import { compiled } from '../store/compiled-query.ts';
import { type DecisionDB, type DecisionKysely, type DecisionRow, isUniqueViolation, toRow } from './db.ts';

export type ChangeKind = 'new' | 'deleted';
export interface Change {
  seq: number;
  kind: ChangeKind;
  decision: DecisionRow;
}

export interface Escalation {
  /** Earlier decisions counted within this window (default 30 days). */
  windowMs: number;
  /** Longest duration escalation may give (default 7 days). */
  maxMs: number;
}

export interface NewDecision {
  value: string;
  scope: 'Ip' | 'Range';
  type: string;
  origin: string;
  reason: string;
  scenario: string;
  durationMs: number;
  escalate: boolean;
}

export interface ListFilter {
  value?: string;
  type?: string;
  origin?: string;
  /** true: live only (default); false: history too. */
  active?: boolean;
  limit?: number;
}

type Trx = Transaction<DecisionDB>;

/** The create path's statements, compiled once (see store/compiled-query.ts). */
const Q = {
  live: compiled<DecisionDB, { value: string; type: string }>((db, p) =>
    db
      .selectFrom('decisions')
      .selectAll()
      .where('value', '=', p.value)
      .where('type', '=', p.type)
      .where('deleted_at', 'is', null),
  ),
  extend: compiled<DecisionDB, { id: number; until: number; now: number }>((db, p) =>
    db.updateTable('decisions').set({ expires_at: p.until, updated_at: p.now }).where('id', '=', p.id),
  ),
  retire: compiled<DecisionDB, { id: number; now: number }>((db, p) =>
    db.updateTable('decisions').set({ deleted_at: p.now }).where('id', '=', p.id),
  ),
  offences: compiled<DecisionDB, { value: string; since: number }, { n: number }>((db, p) =>
    db
      .selectFrom('decisions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('value', '=', p.value)
      .where('created_at', '>', p.since),
  ),
  insert: compiled<DecisionDB, Omit<DecisionRow, 'id'>, { id: number }>((db, p) =>
    db
      .insertInto('decisions')
      .values({
        uuid: p.uuid,
        value: p.value,
        scope: p.scope,
        type: p.type,
        origin: p.origin,
        reason: p.reason,
        scenario: p.scenario,
        offence: p.offence,
        created_at: p.created_at,
        updated_at: p.updated_at,
        expires_at: p.expires_at,
        deleted_at: p.deleted_at,
      })
      .returning('id'),
  ),
  change: compiled<DecisionDB, { decision_id: number; kind: string; at: number }, { seq: number }>((db, p) =>
    db.insertInto('decision_changes').values({ decision_id: p.decision_id, kind: p.kind, at: p.at }).returning('seq'),
  ),
};

async function change(trx: Trx, row: DecisionRow, kind: ChangeKind, at: number): Promise<Change> {
  const r = (await Q.change.run(trx, { decision_id: row.id, kind, at })).rows[0];
  if (!r) throw new KyokaError('KYOKA_E_STORE', 'decision change not recorded');
  return { seq: Number(r.seq), kind, decision: row };
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KyokaError) throw err;
    throw toKyokaError(err, 'KYOKA_E_STORE');
  }
}

export class DecisionStore {
  constructor(
    readonly db: DecisionKysely,
    private readonly escalation: Escalation,
  ) {}

  /** Creates a decision, or extends the live one of the same value+type. */
  async create(d: NewDecision, now = Date.now()): Promise<{ decision: DecisionRow; changes: Change[] }> {
    return (await this.createMany([d], now))[0] as { decision: DecisionRow; changes: Change[] };
  }

  /**
   * Creates several decisions in ONE transaction, in order (a later one for the same value+type
   * merges with an earlier one). The rule engine hands over a committed batch's decisions at
   * once: one commit instead of one per decision keeps them off each other's critical path.
   */
  async createMany(ds: NewDecision[], now = Date.now()): Promise<Array<{ decision: DecisionRow; changes: Change[] }>> {
    if (!ds.length) return [];
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const out: Array<{ decision: DecisionRow; changes: Change[] }> = [];
          for (const d of ds) out.push(await this.createIn(trx, d, now));
          return out;
        });
      } catch (err) {
        // another server inserted the same live value+type concurrently: merge with it
        if (attempt < 2 && isUniqueViolation(err)) continue;
        throw err instanceof KyokaError ? err : toKyokaError(err, 'KYOKA_E_STORE');
      }
    }
  }

  private async createIn(trx: Trx, d: NewDecision, now: number) {
    const changes: Change[] = [];
    const liveRaw = (await Q.live.run(trx, { value: d.value, type: d.type })).rows[0];
    const live = liveRaw ? toRow(liveRaw as Record<string, unknown>) : null;
    if (live && live.expires_at > now) {
      const until = now + d.durationMs;
      if (until <= live.expires_at) return { decision: live, changes };
      await Q.extend.run(trx, { id: live.id, until, now });
      const row = { ...live, expires_at: until, updated_at: now };
      changes.push(await change(trx, row, 'new', now));
      return { decision: row, changes };
    }
    if (live) {
      await Q.retire.run(trx, { id: live.id, now });
      changes.push(await change(trx, { ...live, deleted_at: now }, 'deleted', now));
    }
    const prev = (await Q.offences.run(trx, { value: d.value, since: now - this.escalation.windowMs })).rows[0];
    const offence = Number(prev?.n ?? 0) + 1;
    let duration = d.durationMs;
    if (d.escalate && offence > 1) {
      duration = Math.min(Math.max(d.durationMs, this.escalation.maxMs), d.durationMs * 2 ** Math.min(offence - 1, 40));
    }
    const values = {
      uuid: randomUUID(),
      value: d.value,
      scope: d.scope,
      type: d.type,
      origin: d.origin,
      reason: d.reason,
      scenario: d.scenario,
      offence,
      created_at: now,
      updated_at: now,
      expires_at: now + duration,
      deleted_at: null,
    };
    const r = (await Q.insert.run(trx, values)).rows[0];
    if (!r) throw new KyokaError('KYOKA_E_STORE', 'decision not recorded');
    const row: DecisionRow = { ...values, id: Number(r.id) };
    changes.push(await change(trx, row, 'new', now));
    return { decision: row, changes };
  }

  async markDeleted(ids: number[], now = Date.now()): Promise<Change[]> {
    if (!ids.length) return [];
    return wrap(() =>
      this.db.transaction().execute(async (trx) => {
        const out: Change[] = [];
        for (const id of ids) {
          const raw = await trx
            .updateTable('decisions')
            .set({ deleted_at: now })
            .where('id', '=', id)
            .where('deleted_at', 'is', null)
            .returningAll()
            .executeTakeFirst();
          if (raw) out.push(await change(trx, toRow(raw), 'deleted', now));
        }
        return out;
      }),
    );
  }

  async liveIds(where: { id?: number; value?: string }): Promise<number[]> {
    let q = this.db.selectFrom('decisions').select('id').where('deleted_at', 'is', null);
    if (where.id !== undefined) q = q.where('id', '=', where.id);
    if (where.value !== undefined) q = q.where('value', '=', where.value);
    return wrap(async () => (await q.execute()).map((r) => Number(r.id)));
  }

  async loadLive(): Promise<DecisionRow[]> {
    return wrap(async () =>
      (await this.db.selectFrom('decisions').selectAll().where('deleted_at', 'is', null).execute()).map(toRow),
    );
  }

  async maxSeq(): Promise<number> {
    return wrap(async () => {
      const r = await this.db
        .selectFrom('decision_changes')
        .select((eb) => eb.fn.max('seq').as('m'))
        .executeTakeFirst();
      return Number(r?.m ?? 0);
    });
  }

  /** Changes with seq in (after, upTo], oldest first, at most `limit`. */
  async changesSince(after: number, upTo = Number.MAX_SAFE_INTEGER, limit = 50_000): Promise<Change[]> {
    return wrap(async () => {
      const rows = await this.db
        .selectFrom('decision_changes as c')
        .innerJoin('decisions as d', 'd.id', 'c.decision_id')
        .selectAll('d')
        .select(['c.seq', 'c.kind'])
        .where('c.seq', '>', after)
        .where('c.seq', '<=', upTo)
        .orderBy('c.seq')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        seq: Number(r.seq),
        kind: r.kind === 'deleted' ? 'deleted' : 'new',
        decision: toRow(r as unknown as Record<string, unknown>),
      }));
    });
  }

  async list(f: ListFilter): Promise<DecisionRow[]> {
    let q = this.db.selectFrom('decisions').selectAll();
    if (f.active !== false) q = q.where('deleted_at', 'is', null).where('expires_at', '>', Date.now());
    if (f.value) q = q.where('value', '=', f.value);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.origin) q = q.where('origin', '=', f.origin);
    const limit = Math.min(Math.max(f.limit ?? 1000, 1), 10_000);
    return wrap(async () => (await q.orderBy('id', 'desc').limit(limit).execute()).map(toRow));
  }

  /** Decisions deleted since `since` (for a bouncer's startup pull), newest first. */
  async deletedSince(since: number, limit = 10_000): Promise<DecisionRow[]> {
    return wrap(async () =>
      (
        await this.db
          .selectFrom('decisions')
          .selectAll()
          .where('deleted_at', '>=', since)
          .orderBy('deleted_at', 'desc')
          .limit(limit)
          .execute()
      ).map(toRow),
    );
  }

  async position(keyId: string): Promise<number | null> {
    return wrap(async () => {
      const r = await this.db
        .selectFrom('bouncer_positions')
        .select('seq')
        .where('key_id', '=', keyId)
        .executeTakeFirst();
      return r ? Number(r.seq) : null;
    });
  }

  async setPosition(keyId: string, seq: number, now = Date.now()): Promise<void> {
    await wrap(() =>
      this.db
        .insertInto('bouncer_positions')
        .values({ key_id: keyId, seq, pulled_at: now })
        .onConflict((oc) => oc.column('key_id').doUpdateSet({ seq, pulled_at: now }))
        .execute(),
    );
  }
}
