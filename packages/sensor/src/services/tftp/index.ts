/**
 * TFTP honeypot (udp/69, OpenCanary's `tftp`): never replies, logs 10001 {FILENAME, OPCODE, MODE}
 * for read (RRQ, opcode 1) and write (WRQ, opcode 2) requests. Other opcodes and datagrams
 * shorter than 5 bytes are dropped as OpenCanary drops them. Hand-written: a TFTP request is two
 * NUL-terminated strings, and no maintained library implements a log-only server.
 */
import { LOGTYPE } from '../../log/logtypes.ts';
import type { ServiceFactory } from '../../service/types.ts';
import { logOnlyUdpService } from '../ntp/log-only-udp.ts';

const utf8 = new TextDecoder('utf-8');

export interface TftpRequest {
  FILENAME: string;
  OPCODE: 'READ' | 'WRITE';
  MODE: string;
}

/** Parses an RRQ/WRQ; null when OpenCanary would not log it. */
export function parseTftpRequest(msg: Buffer): TftpRequest | null {
  if (msg.length < 5 || msg[0] !== 0) return null;
  const OPCODE = msg[1] === 1 ? 'READ' : msg[1] === 2 ? 'WRITE' : null;
  if (!OPCODE) return null;
  const end = msg.indexOf(0, 2);
  if (end < 0) return null; // filename and mode need a NUL between them
  const modeEnd = msg.indexOf(0, end + 1);
  return {
    FILENAME: utf8.decode(msg.subarray(2, end)),
    OPCODE,
    MODE: utf8.decode(msg.subarray(end + 1, modeEnd < 0 ? msg.length : modeEnd)),
  };
}

export const factory: ServiceFactory = (ctx) =>
  logOnlyUdpService(ctx, 'tftp', 69, (msg, meta) => {
    const req = parseTftpRequest(msg);
    if (!req) {
      ctx.count('tftp', 'malformed');
      return;
    }
    ctx.log(meta, LOGTYPE.TFTP, { ...req });
  });
