/**
 * DDL of one day partition. Hot partitions carry only UNIQUE(id) (idempotency) and (ts):
 * both receive keys in roughly ascending order (ULIDs, arrival time), so they append at the
 * right edge of the B-tree — measured at a few % of insert cost, unlike (src_ip_key, ts)
 * whose random inserts cost 4–8×. The other indexes (SEAL_INDEXES) and, in PostgreSQL, the
 * trigram index are built by maintenance() when the partition is sealed.
 */
import type { Dialect } from '../search/sql-util.ts';
import { COLUMNS, columnSqlType, SEAL_INDEXES } from './partition.ts';

/** Table names come from tableName() (events_YYYYMMDD), never from user input. */
function checkTable(t: string): string {
  if (!/^events_\d{8}$/.test(t)) throw new Error(`bad partition table name ${t}`);
  return t;
}

export function ftsTable(t: string): string {
  return `${checkTable(t)}_fts`;
}

export function createPartitionSql(d: Dialect, table: string): string[] {
  const t = checkTable(table);
  const cols = COLUMNS.map((c) => {
    const type = columnSqlType(c, d);
    // PostgreSQL: byte-wise collation so ranges, ORDER BY and cursors match SQLite's BINARY
    const coll = d === 'postgres' && type.startsWith('TEXT') ? ' COLLATE "C"' : '';
    return `${c} ${type}${coll}`;
  });
  if (d === 'sqlite') {
    return [
      // rid: an explicit INTEGER PRIMARY KEY keeps rowids stable across VACUUM (FTS refers to them)
      `CREATE TABLE IF NOT EXISTS ${t} (rid INTEGER PRIMARY KEY, ${cols.join(', ')})`,
      `CREATE UNIQUE INDEX IF NOT EXISTS ${t}_id ON ${t} (id)`,
      `CREATE INDEX IF NOT EXISTS ${t}_ts ON ${t} (ts, id)`,
      // contentless trigram index: substring semantics, filled in batches by maintenance()
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${ftsTable(t)} USING fts5(txt, content='', contentless_delete=1, tokenize='trigram')`,
    ];
  }
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (${cols.join(', ')}, CONSTRAINT ${t}_id UNIQUE (id))`,
    `CREATE INDEX IF NOT EXISTS ${t}_ts ON ${t} (ts, id)`,
  ];
}

export function sealSql(d: Dialect, table: string, trigram: boolean): string[] {
  const t = checkTable(table);
  const out = SEAL_INDEXES.map((i) => `CREATE INDEX IF NOT EXISTS ${t}_${i.suffix} ON ${t} (${i.cols})`);
  if (d === 'postgres') {
    if (trigram) out.push(`CREATE INDEX IF NOT EXISTS ${t}_txt ON ${t} USING gin (kyoka_text(doc) gin_trgm_ops)`);
    out.push(`ANALYZE ${t}`);
  }
  return out;
}

export function dropPartitionSql(d: Dialect, table: string): string[] {
  const t = checkTable(table);
  return d === 'sqlite'
    ? [`DROP TABLE IF EXISTS ${ftsTable(t)}`, `DROP TABLE IF EXISTS ${t}`]
    : [`DROP TABLE IF EXISTS ${t}`];
}
