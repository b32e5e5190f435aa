/**
 * Parser for the client's HandshakeResponse41 (and the legacy 320 form) in the MySQL protocol,
 * hand-written for the honeypot. Every read is bounds-checked: attacker bytes never throw.
 */

export interface HandshakeResponse {
  caps: number;
  user: string;
  /** The auth response (scramble); empty when no password was given. */
  auth: Buffer;
  plugin: string | null;
  /** A 32-byte SSL request packet (no user follows until TLS is up). */
  sslOnly: boolean;
}

const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_CONNECT_WITH_DB = 0x8;
const CLIENT_PLUGIN_AUTH = 0x80000;
const CLIENT_LENENC_DATA = 0x200000;

function cstring(p: Buffer, at: number): [string, number] | null {
  if (at > p.length) return null;
  const end = p.indexOf(0, at);
  if (end < 0) return [p.toString('utf8', at), p.length];
  return [p.toString('utf8', at, end), end + 1];
}

/** Length-encoded integer; null when truncated. */
function lenenc(p: Buffer, at: number): [number, number] | null {
  const f = p[at];
  if (f === undefined) return null;
  if (f < 0xfb) return [f, at + 1];
  if (f === 0xfc && at + 3 <= p.length) return [p.readUInt16LE(at + 1), at + 3];
  if (f === 0xfd && at + 4 <= p.length) return [p.readUIntLE(at + 1, 3), at + 4];
  if (f === 0xfe && at + 9 <= p.length) return [Number(p.readBigUInt64LE(at + 1) & 0xffffffn), at + 9];
  return null;
}

export function parseHandshakeResponse(p: Buffer): HandshakeResponse | null {
  if (p.length < 4) return null;
  const lo = p.readUInt16LE(0);
  if ((lo & CLIENT_PROTOCOL_41) === 0) {
    // 320: caps(2) max_packet(3) user\0 auth\0
    const u = cstring(p, 5);
    if (!u) return null;
    const a = cstring(p, u[1]);
    return { caps: lo, user: u[0], auth: Buffer.from(a ? a[0] : '', 'latin1'), plugin: null, sslOnly: false };
  }
  if (p.length < 32) return null;
  const caps = p.readUInt32LE(0);
  if (p.length === 32) return { caps, user: '', auth: Buffer.alloc(0), plugin: null, sslOnly: true };
  const u = cstring(p, 32);
  if (!u) return null;
  let at = u[1];
  let auth: Buffer;
  if (caps & CLIENT_LENENC_DATA) {
    const l = lenenc(p, at);
    if (!l) return null;
    auth = p.subarray(l[1], Math.min(p.length, l[1] + l[0]));
    at = l[1] + l[0];
  } else if (caps & CLIENT_SECURE_CONNECTION) {
    const n = p[at] ?? 0;
    auth = p.subarray(at + 1, Math.min(p.length, at + 1 + n));
    at += 1 + n;
  } else {
    const a = p.indexOf(0, at);
    auth = p.subarray(at, a < 0 ? p.length : a);
    at = a < 0 ? p.length : a + 1;
  }
  if (caps & CLIENT_CONNECT_WITH_DB) {
    const d = cstring(p, at);
    at = d ? d[1] : p.length;
  }
  let plugin: string | null = null;
  if (caps & CLIENT_PLUGIN_AUTH && at < p.length) {
    const pl = cstring(p, at);
    if (pl) plugin = pl[0];
  }
  return { caps, user: u[0], auth: Buffer.from(auth), plugin, sslOnly: false };
}
