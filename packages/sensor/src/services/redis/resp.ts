/**
 * RESP and inline request parser for the Redis honeypot, hand-written because no maintained library
 * implements a Redis server's side of the protocol. It mirrors redis-server 7.0 (networking.c):
 * `*N` multibulk or an inline line split like sdssplitargs, with the same protocol-error texts.
 * One call parses one request from `buf` at `pos`; the result lives in `out` (no allocation per call
 * besides the argv strings), which keeps the hot path lean.
 */

export const OK = 0;
export const NEED_MORE = 1;
export const PROTO_ERROR = 2;
/** An empty request (blank inline line, `*0`): skipped without a reply, as Redis does. */
export const EMPTY = 3;

export interface ParseOut {
  argv: string[];
  /** Offset just past the parsed request. */
  end: number;
  /** Protocol error text (without the leading `-ERR Protocol error: `). */
  err: string;
}

const CR = 13;
const LF = 10;
const MAX_BULK = 512 * 1024 * 1024;

/** Parses a decimal integer in buf[s, e); NaN unless it is an optional '-' then digits. */
function parseInt10(buf: Buffer, s: number, e: number): number {
  if (s >= e || e - s > 18) return Number.NaN;
  let neg = false;
  let i = s;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === e) return Number.NaN;
  }
  let n = 0;
  for (; i < e; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

function parseMultibulk(buf: Buffer, pos: number, out: ParseOut): number {
  const nl = buf.indexOf(CR, pos);
  if (nl < 0 || nl + 1 >= buf.length) return NEED_MORE;
  const count = parseInt10(buf, pos + 1, nl);
  if (Number.isNaN(count) || count > 0x7fffffff) {
    out.err = 'invalid multibulk length';
    return PROTO_ERROR;
  }
  let p = nl + 2;
  if (count <= 0) {
    out.end = p;
    return EMPTY;
  }
  const argv: string[] = [];
  for (let i = 0; i < count; i++) {
    if (p >= buf.length) return NEED_MORE;
    const c = buf[p]!;
    if (c !== 36) {
      out.err = `expected '$', got '${String.fromCharCode(c)}'`;
      return PROTO_ERROR;
    }
    const e = buf.indexOf(CR, p);
    if (e < 0 || e + 1 >= buf.length) return NEED_MORE;
    const len = parseInt10(buf, p + 1, e);
    if (Number.isNaN(len) || len < 0 || len > MAX_BULK) {
      out.err = 'invalid bulk length';
      return PROTO_ERROR;
    }
    const s = e + 2;
    if (s + len + 2 > buf.length) return NEED_MORE;
    argv.push(buf.toString('utf8', s, s + len));
    p = s + len + 2;
  }
  out.argv = argv;
  out.end = p;
  return OK;
}

function hexVal(c: string): number {
  const n = Number.parseInt(c, 16);
  return Number.isNaN(n) ? -1 : n;
}

/** sdssplitargs: spaces separate, "..." with \n \r \t \b \a \\ \" \xHH escapes, '...' with \' only. */
export function splitArgs(line: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) return args;
    let cur = '';
    let inq = false;
    let insq = false;
    for (;;) {
      const c = line[i];
      if (inq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && hexVal(line[i + 2] ?? 'z') >= 0 && hexVal(line[i + 3] ?? 'z') >= 0) {
          cur += String.fromCharCode(hexVal(line[i + 2]!) * 16 + hexVal(line[i + 3]!));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return null;
          inq = false;
          i++;
          break;
        } else cur += c;
      } else if (insq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return null;
          insq = false;
          i++;
          break;
        } else cur += c;
      } else {
        if (c === undefined) break;
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0') {
          i++; // the separator is consumed, as in sdssplitargs
          break;
        }
        if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      i++;
    }
    args.push(cur);
  }
}

function parseInline(buf: Buffer, pos: number, out: ParseOut): number {
  const nl = buf.indexOf(LF, pos);
  if (nl < 0) return NEED_MORE;
  let e = nl;
  if (e > pos && buf[e - 1] === CR) e--;
  out.end = nl + 1;
  if (e === pos) return EMPTY;
  const argv = splitArgs(buf.toString('utf8', pos, e));
  if (argv === null) {
    out.err = 'unbalanced quotes in request';
    return PROTO_ERROR;
  }
  if (argv.length === 0) return EMPTY;
  out.argv = argv;
  return OK;
}

/** Parses one request at `pos`. */
export function parseRequest(buf: Buffer, pos: number, out: ParseOut): number {
  return buf[pos] === 42 ? parseMultibulk(buf, pos, out) : parseInline(buf, pos, out);
}
