/**
 * SIP request parsing as OpenCanary's log-only SIP server sees it (twisted.protocols.sip): the
 * request line must be `METHOD URI SIP/2.0`; header names are lowercased and short forms
 * expanded (v -> via...); values keep their order per name; folded lines are joined. Twisted
 * then rewrites the top Via for NAT (adds `received=`/`rport=`) before OpenCanary logs it, so we
 * do the same to produce the same record. Hand-written: no maintained library parses SIP for the
 * listening side of a honeypot, and the record must match Twisted's quirks, not an RFC parser.
 */

export type SipHeaders = Record<string, string[]>;

/** RFC 3261 compact header forms Twisted expands. */
const LONG: Record<string, string> = {
  c: 'content-type',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  s: 'subject',
  t: 'to',
  v: 'via',
};

const MAX_HEADERS = 256;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Returns the request's headers, or a reason string when OpenCanary would log nothing. */
export function parseSipRequest(msg: Buffer): SipHeaders | string {
  let text: string;
  try {
    text = utf8.decode(msg);
  } catch {
    return 'encoding';
  }
  const lines = text.split('\r\n');
  let i = 0;
  while (i < lines.length && lines[i]!.replace(/^[\r\n]+/, '') === '') i++;
  if (i >= lines.length) return 'empty';
  const first = lines[i]!.replace(/^[\r\n]+/, '');
  const a = first.indexOf(' ');
  const b = a < 0 ? -1 : first.indexOf(' ', a + 1);
  if (b < 0) return 'request_line';
  if (first.slice(b + 1) !== 'SIP/2.0') return first.slice(0, a) === 'SIP/2.0' ? 'response' : 'request_line';
  const headers: SipHeaders = Object.create(null);
  let cur: [string, string] | null = null;
  let count = 0;
  const add = (h: [string, string]) => {
    let name = h[0].toLowerCase();
    name = LONG[name] ?? name;
    const list = headers[name];
    if (list) list.push(h[1]);
    else headers[name] = [h[1]];
  };
  for (i++; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') break; // end of headers; the body is not logged
    if (line[0] === ' ' || line[0] === '\t') {
      if (!cur) return 'header';
      cur[1] += line.trimStart();
      continue;
    }
    if (cur) add(cur);
    const colon = line.indexOf(':');
    if (colon < 0) return 'header';
    if (++count > MAX_HEADERS) return 'too_many_headers';
    cur = [line.slice(0, colon), line.slice(colon + 1).trimStart()];
    if (cur[0].toLowerCase() === 'content-length' && !/^\s*[+-]?\d+\s*$/.test(cur[1])) return 'content_length';
  }
  if (cur) add(cur);
  return { ...headers };
}

interface Via {
  transport: string;
  host: string;
  port: number;
  hidden: boolean;
  named: Map<string, string | null>;
  other: Array<[string, string | null]>;
  rport: number | true | null;
}

const NAMED = ['ttl', 'branch', 'maddr', 'received'];

function parseVia(value: string): Via | null {
  const parts = value.split(';');
  const sent = parts[0]!;
  const sp = sent.indexOf(' ');
  if (sp < 0) return null;
  const proto = sent.slice(0, sp).split('/');
  if (proto.length !== 3) return null;
  const by = sent.slice(sp + 1).trim();
  const colon = by.split(':');
  if (colon.length > 2) return null;
  const port = colon.length === 2 ? Number.parseInt(colon[1]!, 10) : 5060;
  if (!Number.isFinite(port)) return null;
  const via: Via = {
    transport: proto[2]!,
    host: colon[0]!,
    port,
    hidden: false,
    named: new Map(),
    other: [],
    rport: null,
  };
  for (const raw of parts.slice(1)) {
    const p = raw.trim().split(' ', 1)[0]!;
    if (p === 'hidden') {
      via.hidden = true;
      continue;
    }
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    const val = eq < 0 ? null : p.slice(eq + 1);
    if (name === 'rport') {
      if (val === null) via.rport = true;
      else {
        const n = Number.parseInt(val, 10);
        if (!Number.isFinite(n)) return null;
        via.rport = n;
      }
    } else if (NAMED.includes(name)) via.named.set(name, val);
    else via.other.push([name, val]);
  }
  return via;
}

function viaToString(v: Via): string {
  let s = `SIP/2.0/${v.transport} ${v.host}:${v.port}`;
  if (v.hidden) s += ';hidden';
  for (const n of NAMED) {
    const val = v.named.get(n);
    if (val !== undefined && val !== null) s += `;${n}=${val}`;
  }
  if (v.rport === true) s += ';rport';
  else if (v.rport !== null) s += `;rport=${v.rport}`;
  for (const [k, val] of [...v.other].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    s += val === null ? `;${k}` : `;${k}=${val}`;
  }
  return s;
}

/**
 * Twisted's Base._fixupNAT on the top Via: returns false when the request has no usable Via
 * (Twisted raises there and OpenCanary logs nothing).
 */
export function fixupNat(headers: SipHeaders, srcHost: string, srcPort: number): boolean {
  const top = headers.via?.[0];
  if (top === undefined) return false;
  const via = parseVia(top);
  if (!via) return false;
  if (via.host !== srcHost) {
    via.named.set('received', srcHost);
    if (via.port !== srcPort) via.rport = srcPort;
    headers.via![0] = viaToString(via);
  } else if (via.rport === true) {
    via.named.delete('received');
    via.rport = srcPort;
    headers.via![0] = viaToString(via);
  }
  return true;
}
