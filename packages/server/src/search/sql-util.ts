/**
 * Building blocks of the query compiler: a parameter collector (the ONLY way values reach
 * SQL), pattern escaping, field-name validation, and value coercion per field type.
 */
import { KyokaError } from '@kyoka/core';

export type Dialect = 'sqlite' | 'postgres';

/** Collects bind values and hands out placeholders (`?` for SQLite, `$n` for PostgreSQL). */
export class Params {
  readonly values: unknown[] = [];
  constructor(readonly dialect: Dialect) {}
  add(v: unknown): string {
    this.values.push(v);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }
}

export function badQuery(message: string): KyokaError {
  return new KyokaError('KYOKA_E_BAD_QUERY', message);
}

const FIELD_RE = /^[A-Za-z_@][A-Za-z0-9_.@-]*$/;

/** Dotted field path split into parts, or KYOKA_E_BAD_QUERY. */
export function fieldParts(field: string): string[] {
  if (field.length > 200 || !FIELD_RE.test(field)) throw badQuery(`invalid field name: ${JSON.stringify(field)}`);
  const parts = field.split('.');
  if (parts.some((p) => p === '')) throw badQuery(`invalid field name: ${JSON.stringify(field)}`);
  return parts;
}

/** SQLite JSON path with every key quoted ($."a"."b"); safe because FIELD_RE excludes quotes. */
export function sqliteJsonPath(parts: string[]): string {
  return `$${parts.map((p) => `."${p}"`).join('')}`;
}

/** LIKE pattern (escape char backslash) for a literal or a wildcard term (* → %, ? → _). */
export function likePattern(value: string, wildcard: boolean, contains: boolean): string {
  let out = '';
  for (const ch of value) {
    if (ch === '\\' || ch === '%' || ch === '_') out += `\\${ch}`;
    else if (wildcard && ch === '*') out += '%';
    else if (wildcard && ch === '?') out += '_';
    else out += ch;
  }
  return contains ? `%${out}%` : out;
}

/** SQLite GLOB pattern (case-sensitive): only `[` needs escaping since every * ? is a wildcard. */
export function globPattern(value: string): string {
  return value.replace(/\[/g, '[[]');
}

export function toNumber(field: string, v: string): number {
  const n = v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) throw badQuery(`${field}: not a number: ${JSON.stringify(v)}`);
  return n;
}

/** Dates accept epoch ms (digits) or anything Date.parse understands (ISO-8601). */
export function toEpochMs(field: string, v: string): number {
  const n = /^-?\d+$/.test(v.trim()) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw badQuery(`${field}: not a date: ${JSON.stringify(v)}`);
  return n;
}
