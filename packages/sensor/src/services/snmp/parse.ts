/**
 * SNMP v1/v2c message -> what OpenCanary logs (community string and the varbind OIDs), read
 * with the bounded BER reader in ber.ts. Message := SEQUENCE { version INTEGER, community
 * OCTET STRING, PDU [A0..A8] }; every PDU but the v1 Trap is { request-id, error-status,
 * error-index, varbinds }, the v1 Trap ends with its varbinds too, so the varbind list is the
 * PDU's last element.
 */
import { BerError, readInt, readOid, readTlv } from './ber.ts';

export interface SnmpRequest {
  version: number;
  community: string;
  pdu: number;
  oids: string[];
  truncated: boolean;
}

/** More OIDs than this are dropped from the record (a 64 KiB datagram could hold thousands). */
export const MAX_OIDS = 256;

const utf8 = new TextDecoder('utf-8');

export function parseSnmp(buf: Buffer): SnmpRequest {
  const msg = readTlv(buf, 0, buf.length);
  if (msg.tag !== 0x30) throw new BerError('not a SEQUENCE');
  const ver = readTlv(buf, msg.start, msg.end);
  const version = readInt(buf, ver);
  if (version !== 0 && version !== 1) throw new BerError(`unsupported version ${version}`);
  const comm = readTlv(buf, ver.end, msg.end);
  if (comm.tag !== 0x04) throw new BerError('expected community');
  const community = utf8.decode(buf.subarray(comm.start, comm.end));
  const pdu = readTlv(buf, comm.end, msg.end);
  if (pdu.tag < 0xa0 || pdu.tag > 0xa8) throw new BerError('unknown PDU');
  let list: ReturnType<typeof readTlv> | null = null;
  for (let p = pdu.start; p < pdu.end; ) {
    const el = readTlv(buf, p, pdu.end);
    list = el;
    p = el.end;
  }
  if (list?.tag !== 0x30) throw new BerError('no varbind list');
  const oids: string[] = [];
  let truncated = false;
  for (let p = list.start; p < list.end; ) {
    const vb = readTlv(buf, p, list.end);
    if (vb.tag !== 0x30) throw new BerError('bad varbind');
    p = vb.end;
    if (oids.length >= MAX_OIDS) {
      truncated = true;
      continue;
    }
    oids.push(readOid(buf, readTlv(buf, vb.start, vb.end)));
  }
  return { version, community, pdu: pdu.tag, oids, truncated };
}
