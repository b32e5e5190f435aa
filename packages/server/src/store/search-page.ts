/**
 * Bounds on one page of search hits. Events are stored whole (a 25 MB message included), and a
 * page of 100 such events made the server read gigabytes, block the event loop and finally
 * fail serializing the answer ("RangeError: Invalid string length") on every search. Ingest
 * caps event size now; this is the defence for what is already stored:
 * - a page stops once its events add up to PAGE_MAX_BYTES (always at least one event), and the
 *   cursor continues from there, like a full page;
 * - string values longer than HIT_FIELD_MAX_CHARS are cut, with a visible marker saying so
 *   (the whole event stays available from GET /api/v1/events/{id});
 * - events stored larger than HIT_INLINE_MAX_BYTES are not read in the page query at all, only
 *   one at a time once the page still has room for them;
 * - a page also stops once PAGE_READ_MAX_BYTES of stored events were read for it (cutting makes
 *   a 25 MB event small in the answer, but it is still read and parsed whole).
 */
import type { KyokaEvent } from '@kyoka/core';

/** Budget of one search page: stored JSON bytes of its events (after cutting long strings). */
export const PAGE_MAX_BYTES = 8 * 1024 * 1024;
/** Stored bytes read (and parsed) for one search page. */
export const PAGE_READ_MAX_BYTES = 64 * 1024 * 1024;
/** Longest string value returned in a search hit, in UTF-16 code units. */
export const HIT_FIELD_MAX_CHARS = 64 * 1024;
/** Stored events up to this many bytes come with the page query; larger ones are read singly. */
export const HIT_INLINE_MAX_BYTES = 256 * 1024;

/** Appended to a cut string value; `N` is the value's full length. */
export function truncatedMarker(fullLength: number): string {
  return ` …[truncated by Kyoka: ${fullLength} characters in all]`;
}

function cut(s: string): string {
  let end = HIT_FIELD_MAX_CHARS;
  // never split a surrogate pair (a lone surrogate is not valid UTF-8 in the answer)
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + truncatedMarker(s.length);
}

/**
 * Cuts every string value (and key: keys are attacker text too) of doc longer than
 * HIT_FIELD_MAX_CHARS, in place. `bytes` is the stored size; returns an upper bound of the size
 * after cutting (stored bytes minus the characters removed plus the markers).
 */
export function truncateHit(doc: KyokaEvent, bytes: number): number {
  let size = bytes;
  const fix = (s: string): string => {
    if (s.length <= HIT_FIELD_MAX_CHARS) return s;
    const t = cut(s);
    size -= s.length - t.length;
    return t;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return fix(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
      return v;
    }
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const val = walk(o[k]);
        if (k.length > HIT_FIELD_MAX_CHARS) {
          delete o[k];
          // defineProperty: never a setter, whatever the key (JSON.parse makes `__proto__` an own key)
          Object.defineProperty(o, fix(k), { value: val, enumerable: true, writable: true, configurable: true });
        } else if (val !== o[k]) o[k] = val;
      }
    }
    return v;
  };
  walk(doc);
  return Math.max(0, size);
}
