/**
 * LLMNR canary (OpenCanary's `llmnr`): every llmnr.query_interval seconds (± llmnr.query_splay)
 * it asks the link, by LLMNR multicast (224.0.0.252:5355, TTL 1), for llmnr.hostname, a name
 * that does not exist. Nobody honest answers; a poisoner (Responder, Inveigh...) does, and that
 * answer is logged as 19001 {query_hostname, response} with the responder as src. Queries leave
 * from the listening socket (llmnr.port), so answers come back to it. Only replies (QR set) whose
 * question is our name count: our own multicast query looping back is not an attack.
 * llmnr.query_address / llmnr.query_port (Kyoka additions) redirect the queries, for tests.
 * Hand-written: no maintained LLMNR library exists for Node; see dns.ts.
 */
import { randomInt } from 'node:crypto';
import { LOGTYPE } from '../../log/logtypes.ts';
import { listenUdp, type UdpListener } from '../../net/udp.ts';
import type { HoneypotService, ServiceFactory, ServicePort } from '../../service/types.ts';
import { buildQuery, parseReply } from './dns.ts';

export const factory: ServiceFactory = (ctx): HoneypotService => {
  const hostname = String(ctx.conf.get('llmnr.hostname', 'DC03'));
  const intervalS = Math.max(1, Number(ctx.conf.get('llmnr.query_interval', 60)) || 60);
  const splayS = Math.max(0, Math.min(intervalS - 0.5, Number(ctx.conf.get('llmnr.query_splay', 5)) || 0));
  const target = String(ctx.conf.get('llmnr.query_address', '224.0.0.252'));
  const targetPort = Number(ctx.conf.get('llmnr.query_port', 5355));
  const ports: ServicePort[] = [{ port: Number(ctx.conf.get('llmnr.port', 5355)), transport: 'udp' }];
  let l: UdpListener | null = null;
  let timer: NodeJS.Timeout | null = null;

  const sendQuery = () => {
    if (!l) return;
    const query = buildQuery(hostname, randomInt(0x10000));
    l.socket.send(query, targetPort, target, (err) => {
      if (err) {
        ctx.count('llmnr', 'query_send_error');
        ctx.debug(`llmnr: cannot send query to ${target}:${targetPort}: ${err.message}`);
      }
    });
  };
  const loop = () => {
    sendQuery();
    const next = intervalS + (Math.random() * 2 - 1) * splayS;
    timer = setTimeout(loop, next * 1000);
    timer.unref();
  };

  return {
    name: 'llmnr',
    ports,
    async start() {
      l = await listenUdp(ctx, {
        service: 'llmnr',
        port: ports[0]!.port,
        onMessage(msg, meta) {
          let reply: ReturnType<typeof parseReply>;
          try {
            reply = parseReply(msg);
          } catch {
            ctx.count('llmnr', 'malformed');
            return;
          }
          if (!reply.qr || reply.qname !== hostname) {
            ctx.count('llmnr', 'ignored');
            return;
          }
          ctx.log(meta, LOGTYPE.LLMNR_QUERY_RESPONSE, { query_hostname: hostname, response: reply.summary });
        },
      });
      ports[0]!.port = l.port;
      try {
        l.socket.setMulticastTTL(1);
      } catch (err) {
        ctx.debug(`llmnr: cannot set multicast TTL: ${(err as Error).message}`);
      }
      loop();
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      const cur = l;
      l = null;
      await cur?.close();
    },
  };
};
