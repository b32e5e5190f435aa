/**
 * Backend-neutral pieces of the event layout: one table per UTC day of @timestamp
 * (events_YYYYMMDD), hot columns derived from the core field catalog, cursors, and the
 * text extracted for free-text search.
 *
 * Idempotency assumption: a producer that re-sends an event re-sends the same id AND the same
 * @timestamp, so the copy lands in the same day partition and the per-partition UNIQUE(id)
 * rejects it. (An id re-sent with a timestamp on another day would be stored twice.)
 */
import { HOT_FIELDS, KyokaError, type KyokaEvent } from '@kyoka/core';
import { ipKey } from './ip.ts';

export const DAY_MS = 86_400_000;

export interface PartitionInfo {
  day: number; // days since epoch (UTC)
  table: string;
  sealed: boolean;
  /** Highest rowid already in the full-text index (SQLite); 0 when none. */
  ftsHw: number;
  rows: number;
  lastWrite: number;
}

export function dayOf(ts: number): number {
  return Math.floor(ts / DAY_MS);
}

export function tableName(day: number): string {
  const d = new Date(day * DAY_MS);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `events_${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}`;
}

/** Partitions overlapping [from, to), newest first. */
export function overlapping(parts: Iterable<PartitionInfo>, from: number, to: number): PartitionInfo[] {
  const out: PartitionInfo[] = [];
  for (const p of parts) {
    const start = p.day * DAY_MS;
    if (start < to && start + DAY_MS > from) out.push(p);
  }
  return out.sort((a, b) => b.day - a.day);
}

/** A partition is sealed once its day is over and nothing was written to it for quietMs. */
export function shouldSeal(p: PartitionInfo, now: number, quietMs: number): boolean {
  return !p.sealed && now >= (p.day + 1) * DAY_MS && now - p.lastWrite >= quietMs;
}

/** Indexes built at seal time: the common filters of the console and the detection rules. */
export const SEAL_INDEXES: ReadonlyArray<{ suffix: string; cols: string }> = [
  { suffix: 'src', cols: 'src_ip_key, ts' },
  { suffix: 'action', cols: 'action, ts' },
  { suffix: 'dataset', cols: 'dataset, ts' },
  { suffix: 'user', cols: 'user_name, ts' },
];

// Column order of the events tables (after the implicit rowid / serial key).
const HOT = Object.entries(HOT_FIELDS).filter(([path]) => path !== 'id' && path !== '@timestamp');
export const COLUMNS: string[] = ['id', 'ts'];
for (const [, f] of HOT) {
  COLUMNS.push(f.column);
  if (f.type === 'ip') COLUMNS.push(`${f.column}_key`);
}
COLUMNS.push('doc');

export function columnSqlType(col: string, dialect: 'sqlite' | 'postgres'): string {
  if (col === 'ts') return dialect === 'sqlite' ? 'INTEGER NOT NULL' : 'BIGINT NOT NULL';
  if (col === 'id') return 'TEXT NOT NULL';
  if (col === 'doc') return dialect === 'sqlite' ? 'TEXT NOT NULL' : 'JSONB NOT NULL';
  const f = HOT.find(([, h]) => h.column === col)?.[1];
  if (f?.type === 'long') return dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return 'TEXT';
}

/**
 * Hot-column extractor compiled once from the field catalog (paths are our own constants, not
 * user input): straight property reads are several times faster than a generic path walk.
 */
const extractHot = ((): ((e: Record<string, unknown>, row: unknown[]) => void) => {
  const lines: string[] = [];
  for (const [path, f] of HOT) {
    const parts = path.split('.');
    let expr = 'e';
    for (const p of parts) expr = `(${expr} == null ? undefined : ${expr}[${JSON.stringify(p)}])`;
    lines.push(`v = ${expr};`);
    if (f.type === 'long') lines.push('row.push(toLong(v));');
    else if (f.type === 'ip')
      lines.push('s = typeof v === "string" ? v : null; row.push(s, s === null ? null : ipKey(s));');
    else lines.push('row.push(toText(v));');
  }
  const fn = new Function('toLong', 'toText', 'ipKey', `return (e, row) => { let v, s; ${lines.join(' ')} };`);
  return fn(toLong, toText, cachedIpKey);
})();

function toLong(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function toText(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
}

// Attack traffic repeats source addresses heavily: a small memo saves the parse.
const ipMemo = new Map<string, string | null>();
function cachedIpKey(s: string): string | null {
  let k = ipMemo.get(s);
  if (k === undefined) {
    if (ipMemo.size >= 50_000) ipMemo.clear();
    k = ipKey(s);
    ipMemo.set(s, k);
  }
  return k;
}

/** Parses @timestamp to epoch ms, or throws KYOKA_E_BAD_EVENT. */
export function eventTs(e: KyokaEvent): number {
  const ts = typeof e['@timestamp'] === 'string' ? Date.parse(e['@timestamp']) : Number.NaN;
  if (!Number.isFinite(ts)) throw new KyokaError('KYOKA_E_BAD_EVENT', `event ${String(e.id)}: bad @timestamp`);
  return ts;
}

/**
 * Column values of one event in COLUMNS order (doc serialized once, here). The ingest hot
 * path: no regexes, no per-field allocations beyond the row array.
 */
export function eventRow(e: KyokaEvent, ts: number): unknown[] {
  if (typeof e.id !== 'string' || e.id.length === 0) throw new KyokaError('KYOKA_E_BAD_EVENT', 'event without id');
  const row: unknown[] = [e.id, ts];
  extractHot(e as Record<string, unknown>, row);
  row.push(JSON.stringify(e));
  return row;
}

/**
 * What free text searches: the event's string values (not keys, numbers or @timestamp), one
 * per line so a phrase never spans two values. Numbers are left to field queries: they
 * would bloat the trigram index, which costs more CPU per event than the insert itself.
 */
export function leafText(doc: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object') for (const k in v) walk((v as Record<string, unknown>)[k]);
  };
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const k in doc) if (k !== '@timestamp') walk((doc as Record<string, unknown>)[k]);
  } else walk(doc);
  return out.join('\n');
}

/** Rows of a batch grouped by day partition; throws (before any write) on a bad event. */
export function rowsByDay(events: KyokaEvent[]): Map<number, unknown[][]> {
  const byDay = new Map<number, unknown[][]>();
  for (const e of events) {
    const ts = eventTs(e);
    const day = dayOf(ts);
    const list = byDay.get(day);
    if (list) list.push(eventRow(e, ts));
    else byDay.set(day, [eventRow(e, ts)]);
  }
  return byDay;
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
