/**
 * PROXY protocol v1 (text) and v2 (binary) header parsing, so a forwarder (haproxy, nginx,
 * a cloud load balancer) can hand over the real attacker address. Hand-written: the header is a
 * few bytes and the maintained npm parsers wrap whole servers. Only the address block is read;
 * TLVs are skipped. Never throws on hostile input.
 */
import ipaddr from 'ipaddr.js';
import type { ConnMeta } from '../service/types.ts';

const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_MAX = 107;
/** Largest v2 header accepted (address block + TLVs). */
export const V2_MAX = 16 + 1024;

export type ProxyParse =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  /** `meta` absent: LOCAL / UNKNOWN (health checks): keep the socket's own addresses. */
  | { status: 'ok'; consumed: number; meta?: ConnMeta };

function ipv6(b: Buffer, off: number): string {
  const a = ipaddr.fromByteArray([...b.subarray(off, off + 16)]) as ipaddr.IPv6;
  return a.isIPv4MappedAddress() ? a.toIPv4Address().toString() : a.toString();
}

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.indexOf('\r\n');
  if (end < 0)
    return buf.length >= V1_MAX ? { status: 'invalid', reason: 'v1 header too long' } : { status: 'incomplete' };
  const parts = buf.toString('latin1', 0, end).split(' ');
  if (parts[1] === 'UNKNOWN') return { status: 'ok', consumed: end + 2 };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6'))
    return { status: 'invalid', reason: 'bad v1 header' };
  const [, , src, dst, sp, dp] = parts as [string, string, string, string, string, string];
  const sport = Number(sp);
  const dport = Number(dp);
  const ipRe = parts[1] === 'TCP4' ? /^\d{1,3}(\.\d{1,3}){3}$/ : /^[0-9a-fA-F:.]{2,45}$/;
  if (
    !ipRe.test(src) ||
    !ipRe.test(dst) ||
    !/^\d{1,5}$/.test(sp) ||
    !/^\d{1,5}$/.test(dp) ||
    sport > 65535 ||
    dport > 65535
  )
    return { status: 'invalid', reason: 'bad v1 addresses' };
  return { status: 'ok', consumed: end + 2, meta: { src_host: src, src_port: sport, dst_host: dst, dst_port: dport } };
}

function parseV2(buf: Buffer): ProxyParse {
  if (buf.length < 16) return { status: 'incomplete' };
  const verCmd = buf[12] as number;
  const fam = buf[13] as number;
  const len = buf.readUInt16BE(14);
  if (verCmd >> 4 !== 2) return { status: 'invalid', reason: 'v2 version' };
  if (16 + len > V2_MAX) return { status: 'invalid', reason: 'v2 header too long' };
  if (buf.length < 16 + len) return { status: 'incomplete' };
  const consumed = 16 + len;
  const cmd = verCmd & 0x0f;
  if (cmd === 0) return { status: 'ok', consumed }; // LOCAL
  if (cmd !== 1) return { status: 'invalid', reason: 'v2 command' };
  const af = fam >> 4;
  if (af === 1 && len >= 12) {
    const ip = (o: number) => `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`;
    return {
      status: 'ok',
      consumed,
      meta: { src_host: ip(16), dst_host: ip(20), src_port: buf.readUInt16BE(24), dst_port: buf.readUInt16BE(26) },
    };
  }
  if (af === 2 && len >= 36) {
    return {
      status: 'ok',
      consumed,
      meta: {
        src_host: ipv6(buf, 16),
        dst_host: ipv6(buf, 32),
        src_port: buf.readUInt16BE(48),
        dst_port: buf.readUInt16BE(50),
      },
    };
  }
  return { status: 'ok', consumed }; // UNSPEC / unix: keep the socket's addresses
}

/** Parses a PROXY header at the start of `buf` (v1 or v2). */
export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (buf.length === 0) return { status: 'incomplete' };
  if (buf[0] === 0x0d) {
    const n = Math.min(buf.length, 12);
    if (!buf.subarray(0, n).equals(V2_SIG.subarray(0, n))) return { status: 'invalid', reason: 'not a PROXY header' };
    return n < 12 ? { status: 'incomplete' } : parseV2(buf);
  }
  const n = Math.min(buf.length, 6);
  if (buf.toString('latin1', 0, n) !== 'PROXY '.slice(0, n)) return { status: 'invalid', reason: 'not a PROXY header' };
  return n < 6 ? { status: 'incomplete' } : parseV1(buf);
}
