/**
 * Minimal DNS/LLMNR message codec for the LLMNR canary: builds the query OpenCanary sends (one
 * question, type A, class IN) and reads what a responder sends back (question name, QR flag,
 * first answer). Names are read with a bounded label walk (compression pointers followed at most
 * 16 times, 255 bytes max). Hand-written: a DNS library would be far larger than these few reads.
 */

export class DnsError extends Error {}

/** LLMNR query for `name` (RFC 4795 header: ID, flags 0, QDCOUNT 1). */
export function buildQuery(name: string, id: number): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(1, 4);
  parts.push(header);
  for (const l of labels) {
    const b = Buffer.from(l, 'utf8');
    if (b.length > 63) throw new DnsError(`label too long in ${name}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  return Buffer.concat(parts);
}

/** Reads a (possibly compressed) name at `pos`; returns it with a trailing dot, and the offset after it. */
export function readName(buf: Buffer, pos: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  let jumps = 0;
  let total = 0;
  for (;;) {
    if (pos >= buf.length) throw new DnsError('truncated name');
    const len = buf[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsError('truncated pointer');
      if (++jumps > 16) throw new DnsError('pointer loop');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      continue;
    }
    if (len & 0xc0) throw new DnsError('bad label type');
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if (pos + 1 + len > buf.length) throw new DnsError('truncated label');
    total += len + 1;
    if (total > 255) throw new DnsError('name too long');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: `${labels.join('.')}.`, next };
}

export interface DnsReply {
  qr: boolean;
  qname: string;
  /** scapy's `DNS.summary()` text, which OpenCanary logs as `response`. */
  summary: string;
}

/** RFC 5952 text (what inet_ntop prints): the longest run of two or more zero groups becomes `::`. */
export function ipv6Text(g: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < g.length; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < g.length && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

function rdataText(buf: Buffer, type: number, start: number, len: number): string {
  if (type === 1 && len === 4) return [...buf.subarray(start, start + 4)].join('.');
  if (type === 28 && len === 16) {
    const g: number[] = [];
    for (let i = 0; i < 16; i += 2) g.push(buf.readUInt16BE(start + i));
    return ipv6Text(g);
  }
  if (type === 5 || type === 12 || type === 2) return `b'${readName(buf, start).name}'`;
  return `b'${buf.toString('latin1', start, start + len)}'`;
}

export function parseReply(buf: Buffer): DnsReply {
  if (buf.length < 12) throw new DnsError('short header');
  const qr = (buf[2]! & 0x80) !== 0;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  if (qd < 1) throw new DnsError('no question');
  const q = readName(buf, 12);
  let pos = q.next + 4;
  if (pos > buf.length) throw new DnsError('truncated question');
  for (let i = 1; i < qd; i++) pos = readName(buf, pos).next + 4;
  let summary: string;
  if (qr) {
    summary = 'DNS Ans';
    if (an > 0) {
      const rr = readName(buf, pos);
      const p = rr.next;
      if (p + 10 > buf.length) throw new DnsError('truncated answer');
      const type = buf.readUInt16BE(p);
      const rdlen = buf.readUInt16BE(p + 8);
      if (p + 10 + rdlen > buf.length) throw new DnsError('truncated rdata');
      summary += ` ${rdataText(buf, type, p + 10, rdlen)}`;
    }
  } else summary = `DNS Qry b'${q.name}'`;
  return { qr, qname: q.name.replace(/\.+$/, ''), summary };
}
