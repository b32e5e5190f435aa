/**
 * SIP honeypot (udp/5060, OpenCanary's `sip`): never replies; each request is logged as 15001
 * {HEADERS: {lowercased name: [values]}} exactly as OpenCanary's Twisted-based server records it
 * (see parse.ts). Responses and malformed datagrams are counted, not logged.
 */
import { LOGTYPE } from '../../log/logtypes.ts';
import type { ServiceFactory } from '../../service/types.ts';
import { logOnlyUdpService } from '../ntp/log-only-udp.ts';
import { fixupNat, parseSipRequest } from './parse.ts';

export const factory: ServiceFactory = (ctx) =>
  logOnlyUdpService(ctx, 'sip', 5060, (msg, meta) => {
    const headers = parseSipRequest(msg);
    if (typeof headers === 'string') {
      ctx.count('sip', headers === 'response' ? 'response' : 'malformed');
      return;
    }
    if (!fixupNat(headers, meta.src_host, Number(meta.src_port))) {
      ctx.count('sip', 'no_via');
      return;
    }
    ctx.log(meta, LOGTYPE.SIP_REQUEST, { HEADERS: headers });
  });
