/**
 * A log-only UDP honeypot service (ntp, sip, snmp, tftp): OpenCanary never answers these, it only
 * records what was asked. The service reads `<name>.port`, binds through the shared UDP listener
 * and hands each datagram to `onMessage`, which logs and never replies. Shared by the datagram
 * services of this folder group so each of them stays a small protocol parser.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { listenUdp, type UdpListener } from '../../net/udp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServicePort } from '../../service/types.ts';

export type DatagramHandler = (msg: Buffer, meta: ConnMeta, rinfo: RemoteInfo, socket: Socket) => void;

export function logOnlyUdpService(
  ctx: ServiceContext,
  name: string,
  defaultPort: number,
  onMessage: DatagramHandler,
): HoneypotService & { listener(): UdpListener | null } {
  const ports: ServicePort[] = [{ port: Number(ctx.conf.get(`${name}.port`, defaultPort)), transport: 'udp' }];
  let l: UdpListener | null = null;
  return {
    name,
    ports,
    listener: () => l,
    async start() {
      l = await listenUdp(ctx, { service: name, port: ports[0]!.port, onMessage });
      ports[0]!.port = l.port;
    },
    async stop() {
      const cur = l;
      l = null;
      await cur?.close();
    },
  };
}
