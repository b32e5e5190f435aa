/**
 * A small bounded BER reader for SNMP v1/v2c messages: just enough to pull the community string
 * and the varbind OIDs out of any PDU (Get, GetNext, GetBulk, Set, Trap, Inform...). Every
 * length is checked against the buffer, nesting is fixed by the SNMP grammar (no recursion on
 * attacker input), and any inconsistency throws BerError, which the service counts.
 * Hand-written: the honeypot never answers, so a full ASN.1/SNMP library would be dead weight.
 */

export class BerError extends Error {}

export interface Tlv {
  tag: number;
  /** Start and end (exclusive) of the value bytes. */
  start: number;
  end: number;
}

/** Reads one TLV at `pos`, which must end at or before `limit`. */
export function readTlv(buf: Buffer, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new BerError('truncated');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new BerError('multi-byte tag');
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3) throw new BerError('length form');
    if (start + n > limit) throw new BerError('truncated');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new BerError('truncated');
  return { tag, start, end };
}

export function readInt(buf: Buffer, t: Tlv): number {
  if (t.tag !== 0x02) throw new BerError('expected INTEGER');
  const n = t.end - t.start;
  if (n < 1 || n > 6) throw new BerError('integer size');
  return buf.readIntBE(t.start, n);
}

/** Dotted OID text, as scapy prints `oid.val`. */
export function readOid(buf: Buffer, t: Tlv): string {
  if (t.tag !== 0x06) throw new BerError('expected OID');
  if (t.end <= t.start) throw new BerError('empty OID');
  const parts: string[] = [];
  let v = 0n;
  let first = true;
  let inSub = false;
  for (let i = t.start; i < t.end; i++) {
    const b = buf[i]!;
    v = (v << 7n) | BigInt(b & 0x7f);
    inSub = (b & 0x80) !== 0;
    if (inSub) continue;
    if (first) {
      const x = v < 40n ? 0n : v < 80n ? 1n : 2n;
      parts.push(String(x), String(v - x * 40n));
      first = false;
    } else parts.push(String(v));
    v = 0n;
  }
  if (inSub) throw new BerError('truncated OID');
  return parts.join('.');
}
