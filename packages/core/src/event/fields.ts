/**
 * Field catalog shared by parsers, storage and the query compiler: the frequently queried
 * scalar fields and their types. Which of them are physical columns is the store's business
 * (server/src/search/columns.ts); the others are read from the stored event.
 */
export type FieldType = 'keyword' | 'ip' | 'long' | 'date' | 'text';

/**
 * A frozen lookup table without a prototype: these tables are indexed with field names from
 * queries, and a plain object answers `constructor`, `toString` or `__proto__` with
 * Object.prototype's members instead of "not a catalog field".
 */
export function lookupTable<V>(entries: Record<string, V>): Readonly<Record<string, V>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, V>, entries));
}

export const HOT_FIELDS: Readonly<Record<string, FieldType>> = lookupTable<FieldType>({
  id: 'keyword',
  '@timestamp': 'date',
  'event.kind': 'keyword',
  'event.action': 'keyword',
  'event.dataset': 'keyword',
  'event.module': 'keyword',
  'event.outcome': 'keyword',
  'event.severity': 'long',
  'source.ip': 'ip',
  'source.port': 'long',
  'destination.ip': 'ip',
  'destination.port': 'long',
  'network.transport': 'keyword',
  'user.name': 'keyword',
  'observer.name': 'keyword',
  'kyoka.source': 'keyword',
  message: 'text',
});

/** Types of well-known non-hot fields, so ranges and CIDRs work on them too. */
export const FIELD_TYPES: Readonly<Record<string, FieldType>> = lookupTable<FieldType>({
  'http.response.status_code': 'long',
  'http.response.body.bytes': 'long',
  'observer.ip': 'ip',
  'host.ip': 'ip',
  'process.pid': 'long',
  'kyoka.opencanary.logtype': 'long',
  'event.ingested': 'date',
});

export function fieldType(path: string): FieldType {
  return HOT_FIELDS[path] ?? FIELD_TYPES[path] ?? 'keyword';
}

/** Reads a dotted path from a nested event ("source.ip"); also accepts a flat dotted key. */
export function getField(obj: unknown, path: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const rec = obj as Record<string, unknown>;
  if (path in rec) return rec[path];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Writes a dotted path into a nested object, creating intermediate objects. */
export function setField(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string;
    const nextVal = cur[p];
    if (nextVal === null || typeof nextVal !== 'object' || Array.isArray(nextVal)) {
      const created: Record<string, unknown> = {};
      cur[p] = created;
      cur = created;
    } else {
      cur = nextVal as Record<string, unknown>;
    }
  }
  cur[parts[parts.length - 1] as string] = value;
}
