/**
 * Decodes an ingest request body: gzip (by header or magic bytes, with a decompressed-size
 * cap), then one JSON object, a JSON array, or NDJSON. Bad NDJSON lines and events larger than
 * `maxEventBytes` are reported by index instead of failing the whole batch.
 */
import { gunzipSync } from 'node:zlib';
import { KyokaError } from '@kyoka/core';

export interface DecodedRecord {
  index: number;
  value: unknown;
  /** The raw NDJSON line, when the body was NDJSON (kept as event.original by parsers). */
  raw?: string;
}
export interface DecodeResult {
  records: DecodedRecord[];
  errors: Array<{ index: number; error: string; message: string }>;
  bytes: number;
}

export function gunzipLimited(body: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || (err as Error) instanceof RangeError) {
      throw new KyokaError('KYOKA_E_PAYLOAD_TOO_LARGE', `decompressed body exceeds ${maxBytes} bytes`);
    }
    throw new KyokaError('KYOKA_E_BAD_REQUEST', `body is not valid gzip: ${(err as Error).message}`);
  }
}

/** Error code of an event refused for its size (also how handleIngest counts them). */
export const EVENT_TOO_LARGE = 'KYOKA_E_PAYLOAD_TOO_LARGE';

/** UTF-8 size of JSON text; skips the byte count when even 3 bytes a character fits. */
function textBytes(s: string, max: number): number {
  return s.length * 3 <= max ? s.length : Buffer.byteLength(s);
}

function tooLargeError(index: number, bytes: number, max: number) {
  return {
    index,
    error: EVENT_TOO_LARGE,
    message: `event is ${bytes} bytes of JSON; the limit is ${max} (ingest.maxEventBytes)`,
  };
}

/**
 * `maxEventBytes` caps one event's JSON text as sent (an NDJSON line, an array element
 * re-serialized, or a whole single-object body). Events are stored and searched whole, so
 * without it a few 25 MB events made every search answer too large to serialize.
 */
export function decodeBody(
  body: Buffer,
  opts: { encoding?: string; maxBytes: number; maxBatch: number; maxEventBytes?: number },
): DecodeResult {
  const maxEvent = opts.maxEventBytes ?? Number.POSITIVE_INFINITY;
  let buf = body;
  const enc = (opts.encoding ?? '').toLowerCase().trim();
  if (enc === 'gzip' || enc === 'x-gzip' || (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b)) {
    buf = gunzipLimited(buf, opts.maxBytes);
  } else if (enc && enc !== 'identity') {
    throw new KyokaError('KYOKA_E_UNSUPPORTED_MEDIA', `content-encoding ${enc} is not supported (use gzip)`);
  }
  if (buf.length > opts.maxBytes)
    throw new KyokaError('KYOKA_E_PAYLOAD_TOO_LARGE', `body exceeds ${opts.maxBytes} bytes`);
  const text = buf.toString('utf8');
  const bytes = buf.length;
  let start = 0;
  while (start < text.length && (text.charCodeAt(start) <= 32 || text.charCodeAt(start) === 0xfeff)) start++;
  if (start === text.length) throw new KyokaError('KYOKA_E_BAD_REQUEST', 'empty body');
  const first = text[start];
  const tooMany = (n: number) =>
    new KyokaError('KYOKA_E_PAYLOAD_TOO_LARGE', `batch of ${n} events exceeds the limit of ${opts.maxBatch}`);

  if (first === '[') {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch (err) {
      throw new KyokaError('KYOKA_E_BAD_REQUEST', `invalid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(arr)) throw new KyokaError('KYOKA_E_BAD_REQUEST', 'expected a JSON array');
    if (arr.length > opts.maxBatch) throw tooMany(arr.length);
    // A body within the cap cannot hold an element over it: re-serializing is only for big bodies.
    if (bytes <= maxEvent) return { records: arr.map((value, index) => ({ index, value })), errors: [], bytes };
    const records: DecodedRecord[] = [];
    const errors: DecodeResult['errors'] = [];
    arr.forEach((value, index) => {
      const size = textBytes(JSON.stringify(value) ?? '', maxEvent);
      if (size > maxEvent) errors.push(tooLargeError(index, size, maxEvent));
      else records.push({ index, value });
    });
    return { records, errors, bytes };
  }
  if (first !== '{') throw new KyokaError('KYOKA_E_BAD_REQUEST', 'body must be a JSON object, a JSON array or NDJSON');

  // A single (possibly pretty-printed) object parses whole; NDJSON fails fast at line 2.
  const nl = text.indexOf('\n', start);
  if (nl < 0 || text.slice(nl).trim() === '') {
    if (bytes > maxEvent) return { records: [], errors: [tooLargeError(0, bytes, maxEvent)], bytes };
    try {
      return { records: [{ index: 0, value: JSON.parse(text) }], errors: [], bytes };
    } catch (err) {
      throw new KyokaError('KYOKA_E_BAD_REQUEST', `invalid JSON: ${(err as Error).message}`);
    }
  }
  try {
    const whole = JSON.parse(text);
    if (bytes > maxEvent) return { records: [], errors: [tooLargeError(0, bytes, maxEvent)], bytes };
    return { records: [{ index: 0, value: whole }], errors: [], bytes };
  } catch {
    // not a single object: NDJSON
  }
  const records: DecodedRecord[] = [];
  const errors: DecodeResult['errors'] = [];
  let index = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    if (index >= opts.maxBatch) throw tooMany(index + 1);
    const size = textBytes(line, maxEvent);
    if (size > maxEvent) {
      // refused before JSON.parse: a huge line costs no parse and no object graph
      errors.push(tooLargeError(index, size, maxEvent));
      index++;
      continue;
    }
    try {
      records.push({ index, value: JSON.parse(line), raw: line });
    } catch (err) {
      errors.push({ index, error: 'KYOKA_E_BAD_EVENT', message: `invalid JSON: ${(err as Error).message}` });
    }
    index++;
  }
  return { records, errors, bytes };
}
