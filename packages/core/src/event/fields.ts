/**
 * Field catalog shared by parsers, storage and the query compiler. Hot fields are stored
 * as columns (fast filters, indexes); every other field is read from the event JSON.
 */
export type FieldType = 'keyword' | 'ip' | 'long' | 'date' | 'text';

export interface HotField {
  /** Column name in the events tables. */
  column: string;
  type: FieldType;
}

export const HOT_FIELDS: Readonly<Record<string, HotField>> = Object.freeze({
  id: { column: 'id', type: 'keyword' },
  '@timestamp': { column: 'ts', type: 'date' },
  'event.kind': { column: 'kind', type: 'keyword' },
  'event.action': { column: 'action', type: 'keyword' },
  'event.dataset': { column: 'dataset', type: 'keyword' },
  'event.module': { column: 'module', type: 'keyword' },
  'event.outcome': { column: 'outcome', type: 'keyword' },
  'event.severity': { column: 'severity', type: 'long' },
  'source.ip': { column: 'src_ip', type: 'ip' },
  'source.port': { column: 'src_port', type: 'long' },
  'destination.ip': { column: 'dst_ip', type: 'ip' },
  'destination.port': { column: 'dst_port', type: 'long' },
  'network.transport': { column: 'transport', type: 'keyword' },
  'user.name': { column: 'user_name', type: 'keyword' },
  'observer.name': { column: 'observer_name', type: 'keyword' },
  'kyoka.source': { column: 'log_source', type: 'keyword' },
  message: { column: 'message', type: 'text' },
});

/** Types of well-known non-hot fields, so ranges and CIDRs work on them too. */
export const FIELD_TYPES: Readonly<Record<string, FieldType>> = Object.freeze({
  'http.response.status_code': 'long',
  'http.response.body.bytes': 'long',
  'observer.ip': 'ip',
  'host.ip': 'ip',
  'process.pid': 'long',
  'kyoka.opencanary.logtype': 'long',
  'event.ingested': 'date',
});

export function fieldType(path: string): FieldType {
  return HOT_FIELDS[path]?.type ?? FIELD_TYPES[path] ?? 'keyword';
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
