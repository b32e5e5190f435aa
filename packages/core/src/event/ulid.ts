import { decodeTime, monotonicFactory } from 'ulid';

const next = monotonicFactory();

/** New ULID; monotonic within this process so ids sort in creation order. */
export function newId(time?: number): string {
  return next(time);
}

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isUlid(s: unknown): s is string {
  return typeof s === 'string' && ULID_RE.test(s);
}

export function ulidTime(id: string): number {
  return decodeTime(id);
}
