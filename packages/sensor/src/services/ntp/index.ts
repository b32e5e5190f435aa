/**
 * NTP honeypot (udp/123, OpenCanary's `ntp`): never replies, logs 11001 {"NTP CMD": "monlist"}
 * when a mode-7 private request asks for MON_GETLIST (request code 0x2A, i.e. byte 3 is `*`), the
 * command used for amplification attacks and reconnaissance. Hand-written: no maintained library
 * implements the honeypot side of NTP's mode 7, and only one byte matters.
 */
import { LOGTYPE } from '../../log/logtypes.ts';
import type { ServiceFactory } from '../../service/types.ts';
import { logOnlyUdpService } from './log-only-udp.ts';

/** MON_GETLIST_1 / MON_GETLIST request code (OpenCanary compares the 4th byte with '*'). */
const MONLIST = 0x2a;

export function isMonlist(msg: Buffer): boolean {
  return msg.length >= 4 && msg[3] === MONLIST;
}

export const factory: ServiceFactory = (ctx) =>
  logOnlyUdpService(ctx, 'ntp', 123, (msg, meta) => {
    if (!isMonlist(msg)) {
      ctx.count('ntp', 'ignored');
      return;
    }
    ctx.log(meta, LOGTYPE.NTP_MONLIST, { 'NTP CMD': 'monlist' });
  });
