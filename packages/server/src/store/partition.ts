/**
 * Backend-neutral pieces of the event layout: one table per UTC hour of @timestamp
 * (events_YYYYMMDDHH, PARTITION_MS), the physical columns, cursors, and the rows written.
 *
 * Idempotency assumption: a producer that re-sends an event re-sends the same id AND the same
 * @timestamp, so the copy lands in the same partition and the per-partition UNIQUE(id)
 * rejects it. (An id re-sent with a timestamp in another hour would be stored twice.)
 */
import { isoMsTime, KyokaError, type KyokaEvent } from '@kyoka/core';
import { tokenText } from '../search/tokens.ts';
import { ipKey, ipV4Key } from './ip.ts';

/** Length of one partition: an hour keeps the hot (unindexed) table small enough to scan. */
export const PARTITION_MS = 3_600_000;

export interface PartitionInfo {
  /** Partition number: start / PARTITION_MS. */
  part: number;
  table: string;
  sealed: boolean;
  /** Highest rowid already in the full-text index (SQLite); 0 when none. */
  ftsHw: number;
  rows: number;
  lastWrite: number;
  /** event_rollups holds this partition's current value counts (rollups.ts). */
  rolled: boolean;
}

export function partOf(ts: number): number {
  return Math.floor(ts / PARTITION_MS);
}

export function partStart(p: PartitionInfo | number): number {
  return (typeof p === 'number' ? p : p.part) * PARTITION_MS;
}

export function tableName(part: number): string {
  const d = new Date(part * PARTITION_MS);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `events_${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}`;
}

/** Partitions overlapping [from, to) that hold rows, newest first. */
export function overlapping(parts: Iterable<PartitionInfo>, from: number, to: number): PartitionInfo[] {
  const out: PartitionInfo[] = [];
  for (const p of parts) {
    const start = p.part * PARTITION_MS;
    if (p.rows > 0 && start < to && start + PARTITION_MS > from) out.push(p);
  }
  return out.sort((a, b) => b.part - a.part);
}

/** A partition is sealed once its hour is over and nothing was written to it for quietMs. */
export function shouldSeal(p: PartitionInfo, now: number, quietMs: number): boolean {
  return !p.sealed && now >= (p.part + 1) * PARTITION_MS && now - p.lastWrite >= quietMs;
}

/** Indexes built at seal time: the common filters of the console and the detection rules. */
export const SEAL_INDEXES: ReadonlyArray<{ suffix: string; cols: string }> = [
  { suffix: 'ts', cols: 'ts, id' },
  { suffix: 'src', cols: 'src_ip_key, ts' },
  { suffix: 'action', cols: 'action, ts' },
  { suffix: 'dataset', cols: 'dataset, ts' },
  { suffix: 'user', cols: 'user_name, ts' },
];

/**
 * Column order of the events tables (after the implicit rowid / serial key). Only what the
 * hot path filters or groups on; everything else is read from doc (search/columns.ts maps
 * fields to these). PostgreSQL adds `txt`, the free-text token string (search/tokens.ts).
 */
export const COLUMNS: readonly string[] = [
  'id',
  'ts',
  'action',
  'dataset',
  'outcome',
  'src_ip_key',
  'src_port',
  'dst_ip_key',
  'dst_port',
  'user_name',
  'log_source',
  'doc',
];
export const PG_COLUMNS: readonly string[] = [...COLUMNS.slice(0, -1), 'txt', 'doc'];

export function columnSqlType(col: string, dialect: 'sqlite' | 'postgres'): string {
  if (col === 'ts') return dialect === 'sqlite' ? 'INTEGER NOT NULL' : 'BIGINT NOT NULL';
  if (col === 'id') return 'TEXT NOT NULL';
  if (col === 'doc') return dialect === 'sqlite' ? 'TEXT NOT NULL' : 'JSONB NOT NULL';
  if (col.endsWith('_port')) return dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return 'TEXT';
}

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined;

function toLong(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function toText(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
}

// IPv4 keys are computed directly (a single pass, cheaper than a lookup, and a memo over
// scans with more distinct sources than it holds only churned: every entry was promoted to
// the old generation and then dropped). Each column remembers its last address, which
// catches the usual runs (one sensor address as destination, bursts from one source) without
// allocating a key. IPv6 parsing is costly: those keep a small memo.
const ipMemo = new Map<string, string>();
const lastIp = ['', ''];
const lastKey: Array<string | null> = [null, null];
function cachedIpKey(v: unknown, slot: 0 | 1): string | null {
  if (typeof v !== 'string') return null;
  if (v === lastIp[slot]) return lastKey[slot]!;
  let k = ipV4Key(v);
  if (k === null) {
    k = ipMemo.get(v) ?? null;
    if (k === null) {
      if (ipMemo.size >= 50_000) ipMemo.clear();
      k = ipKey(v);
      if (k === null) return null;
      ipMemo.set(v, k);
    }
  }
  lastIp[slot] = v;
  lastKey[slot] = k;
  return k;
}

/** Parses @timestamp to epoch ms, or throws KYOKA_E_BAD_EVENT. */
export function eventTs(e: KyokaEvent): number {
  const v = e['@timestamp'];
  let ts = typeof v === 'string' ? isoMsTime(v) : Number.NaN;
  if (Number.isNaN(ts) && typeof v === 'string') ts = Date.parse(v);
  if (!Number.isFinite(ts)) throw new KyokaError('KYOKA_E_BAD_EVENT', `event ${String(e.id)}: bad @timestamp`);
  return ts;
}

/** Throws KYOKA_E_BAD_EVENT unless the event has an id (checked before any write). */
export function checkId(e: KyokaEvent): void {
  if (typeof e.id !== 'string' || e.id.length === 0) throw new KyokaError('KYOKA_E_BAD_EVENT', 'event without id');
}

/**
 * Writes the first 11 COLUMNS (all but doc) of one event at out[at..]: the ingest hot path,
 * straight property reads, no regexes; written in place so SQLite batches need no row arrays.
 */
export function fillColumns(out: unknown[], at: number, e: KyokaEvent, ts: number): void {
  const r = e as Rec;
  const ev = obj(r.event);
  const src = obj(r.source);
  const dst = obj(r.destination);
  out[at] = e.id;
  out[at + 1] = ts;
  out[at + 2] = toText(ev?.action);
  out[at + 3] = toText(ev?.dataset);
  out[at + 4] = toText(ev?.outcome);
  out[at + 5] = cachedIpKey(src?.ip, 0);
  out[at + 6] = toLong(src?.port);
  out[at + 7] = cachedIpKey(dst?.ip, 1);
  out[at + 8] = toLong(dst?.port);
  out[at + 9] = toText(obj(r.user)?.name);
  out[at + 10] = toText(obj(r.kyoka)?.source);
}

/** Column values of one event in COLUMNS order (PG_COLUMNS with `pg`). */
export function eventRow(e: KyokaEvent, ts: number, pg = false): unknown[] {
  checkId(e);
  const row: unknown[] = new Array(pg ? PG_COLUMNS.length : COLUMNS.length);
  fillColumns(row, 0, e, ts);
  if (pg) row[11] = tokenText(e);
  row[row.length - 1] = JSON.stringify(e);
  return row;
}

/** Rows of a batch grouped by partition; throws (before any write) on a bad event. */
export function rowsByPart(events: KyokaEvent[], pg = false): Map<number, unknown[][]> {
  const byPart = new Map<number, unknown[][]>();
  for (const e of events) {
    const ts = eventTs(e);
    const part = partOf(ts);
    const list = byPart.get(part);
    if (list) list.push(eventRow(e, ts, pg));
    else byPart.set(part, [eventRow(e, ts, pg)]);
  }
  return byPart;
}

/**
 * Event indexes of a batch grouped by partition, with each event's time in `ts`; throws
 * (before any write) on a bad event. A batch usually falls in one partition.
 */
export function indexesByPart(events: KyokaEvent[], ts: Float64Array): Map<number, number[]> {
  const byPart = new Map<number, number[]>();
  let lastPart = Number.NaN;
  let last: number[] | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    checkId(e);
    const t = eventTs(e);
    ts[i] = t;
    const part = partOf(t);
    if (part !== lastPart) {
      last = byPart.get(part);
      if (!last) {
        last = [];
        byPart.set(part, last);
      }
      lastPart = part;
    }
    last!.push(i);
  }
  return byPart;
}

export interface CursorKey {
  ts: number;
  id: string;
}

export function encodeCursor(k: CursorKey): string {
  return Buffer.from(JSON.stringify([k.ts, k.id])).toString('base64url');
}

export function decodeCursor(c: string): CursorKey {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && Number.isFinite(v[0]) && typeof v[1] === 'string') return { ts: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new KyokaError('KYOKA_E_BAD_QUERY', 'invalid cursor');
}

export function checkWindow(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new KyokaError('KYOKA_E_BAD_QUERY', 'invalid time range');
}

/** Zero-filled buckets aligned to multiples of intervalMs, covering [from, to). */
export function histogramBuckets(from: number, to: number, intervalMs: number): number[] {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0)
    throw new KyokaError('KYOKA_E_BAD_QUERY', 'intervalMs must be a positive integer');
  const first = Math.floor(from / intervalMs) * intervalMs;
  if ((to - first) / intervalMs > 20_000) throw new KyokaError('KYOKA_E_BAD_QUERY', 'too many histogram buckets');
  const out: number[] = [];
  for (let t = first; t < to; t += intervalMs) out.push(t);
  return out;
}
