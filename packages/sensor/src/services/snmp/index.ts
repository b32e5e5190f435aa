/**
 * SNMP honeypot (udp/161, OpenCanary's `snmp`): never replies; every v1/v2c message (Get,
 * GetNext, GetBulk, Set, traps) is logged as 13001 {REQUESTS: [oids], COMMUNITY_STRING}.
 * Malformed or v3 messages are counted, not logged (OpenCanary's scapy parse fails on them too).
 */
import { LOGTYPE } from '../../log/logtypes.ts';
import type { ServiceFactory } from '../../service/types.ts';
import { logOnlyUdpService } from '../ntp/log-only-udp.ts';
import { parseSnmp } from './parse.ts';

export const factory: ServiceFactory = (ctx) =>
  logOnlyUdpService(ctx, 'snmp', 161, (msg, meta) => {
    let req: ReturnType<typeof parseSnmp>;
    try {
      req = parseSnmp(msg);
    } catch {
      ctx.count('snmp', 'malformed');
      return;
    }
    if (req.truncated) ctx.count('snmp', 'oids_truncated');
    ctx.log(meta, LOGTYPE.SNMP_CMD, { REQUESTS: req.oids, COMMUNITY_STRING: req.community });
  });
