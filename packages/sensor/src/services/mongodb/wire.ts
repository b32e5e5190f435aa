/**
 * MongoDB wire-protocol framing for the honeypot (OP_MSG, OP_QUERY in; OP_MSG, OP_REPLY out) over the
 * maintained `bson` codec, plus a Python-repr renderer so the `query`/`auth_data` strings read like
 * OpenCanary's `str(dict)`. Framing is hand-written: no maintained library implements a mongod's side.
 */
import { Binary, type Document, deserialize, serialize } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

export interface Request {
  requestId: number;
  opcode: number;
  /** OP_MSG: the kind-0 body; OP_QUERY: the query document. */
  doc: Document | null;
  /** OP_QUERY: full collection name ("admin.$cmd"). */
  collection: string;
  /** OP_MSG flag moreToCome: the client expects no reply. */
  noReply: boolean;
}

/** Parses one complete message (header included). Throws on malformed BSON; the caller catches. */
export function parseMessage(m: Buffer): Request {
  const requestId = m.readInt32LE(4);
  const opcode = m.readInt32LE(12);
  const r: Request = { requestId, opcode, doc: null, collection: '', noReply: false };
  if (opcode === OP_MSG && m.length >= 21) {
    const flags = m.readUInt32LE(16);
    r.noReply = (flags & 2) !== 0;
    const end = flags & 1 ? m.length - 4 : m.length;
    let p = 20;
    while (p < end) {
      const kind = m[p]!;
      const size = p + 5 <= end ? m.readInt32LE(p + 1) : -1;
      if (size < 5 || p + 1 + size > end) throw new Error('Invalid OP_MSG section');
      if (kind === 0 && !r.doc) r.doc = deserialize(m.subarray(p + 1, p + 1 + size));
      p += 1 + size;
    }
  } else if (opcode === OP_QUERY && m.length >= 21) {
    const z = m.indexOf(0, 20);
    if (z < 0 || z + 9 + 5 > m.length) throw new Error('Invalid OP_QUERY');
    r.collection = m.toString('utf8', 20, z);
    const at = z + 9;
    const size = m.readInt32LE(at);
    if (size < 5 || at + size > m.length) throw new Error('Invalid BSON');
    r.doc = deserialize(m.subarray(at, at + size));
  }
  return r;
}

function header(len: number, responseTo: number, opcode: number, requestId: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(len, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opcode, 12);
  return h;
}

export function opMsg(responseTo: number, doc: Document, requestId: number): Buffer {
  const body = serialize(doc);
  return Buffer.concat([header(21 + body.length, responseTo, OP_MSG, requestId), Buffer.alloc(5), body]);
}

export function opReply(responseTo: number, doc: Document, requestId: number): Buffer {
  const body = serialize(doc);
  const fixed = Buffer.alloc(20);
  fixed.writeInt32LE(8, 0); // AwaitCapable
  fixed.writeInt32LE(1, 16); // numberReturned
  return Buffer.concat([header(36 + body.length, responseTo, OP_REPLY, requestId), fixed, body]);
}

function pyStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

/** Python's repr() of a decoded BSON value (bytes shown as hex strings, as OpenCanary prints them). */
export function pyRepr(v: unknown, depth = 0): string {
  if (depth > 8) return '...';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return pyStr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'bigint') return String(v);
  if (v instanceof Binary) return pyStr(Buffer.from(v.buffer).toString('hex'));
  if (Array.isArray(v)) return `[${v.map((x) => pyRepr(x, depth + 1)).join(', ')}]`;
  if (v instanceof Date) return pyStr(v.toISOString());
  if (typeof v === 'object') {
    const bsontype = (v as { _bsontype?: string })._bsontype;
    if (bsontype) return pyStr(String(v));
    const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyStr(k)}: ${pyRepr(x, depth + 1)}`);
    return `{${parts.join(', ')}}`;
  }
  return pyStr(String(v));
}
