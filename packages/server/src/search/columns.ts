/**
 * Which fields are physical columns of the events tables (store/partition.ts COLUMNS). The
 * other catalog fields (HOT_FIELDS in @kyoka/core) are read from doc as scalars, with their
 * declared types; IP columns hold only the sortable key (store/ip.ts), the text is in doc.
 *
 * The table has no prototype (lookupTable): it is indexed with user-supplied field names, and a
 * plain object answered `constructor` or `__proto__` with Object.prototype's members (compiled to
 * the column `t.undefined`, a 503 instead of an ordinary doc field).
 */
import { type FieldType, lookupTable } from '@kyoka/core';

export interface ColumnField {
  column: string;
  type: FieldType;
}

export const COLUMN_FIELDS: Readonly<Record<string, ColumnField>> = lookupTable<ColumnField>({
  id: { column: 'id', type: 'keyword' },
  '@timestamp': { column: 'ts', type: 'date' },
  'event.action': { column: 'action', type: 'keyword' },
  'event.dataset': { column: 'dataset', type: 'keyword' },
  'event.outcome': { column: 'outcome', type: 'keyword' },
  'source.ip': { column: 'src_ip_key', type: 'ip' },
  'source.port': { column: 'src_port', type: 'long' },
  'destination.ip': { column: 'dst_ip_key', type: 'ip' },
  'destination.port': { column: 'dst_port', type: 'long' },
  'user.name': { column: 'user_name', type: 'keyword' },
  'kyoka.source': { column: 'log_source', type: 'keyword' },
});
