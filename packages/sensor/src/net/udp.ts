/** UDP socket shared by the datagram services (ntp, sip, snmp, tftp, llmnr): bind errors name the port. */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { ConnMeta, ServiceContext } from '../service/types.ts';
import { bindError, bindHost, plainAddress } from './tcp.ts';

export interface UdpListenOptions {
  service: string;
  port: number;
  onMessage(msg: Buffer, meta: ConnMeta, rinfo: RemoteInfo, socket: Socket): void;
}

export interface UdpListener {
  socket: Socket;
  port: number;
  close(): Promise<void>;
}

export async function listenUdp(ctx: ServiceContext, o: UdpListenOptions): Promise<UdpListener> {
  const host = bindHost(ctx);
  const socket = createSocket({ type: host?.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => reject(bindError(o.service, o.port, err as NodeJS.ErrnoException)));
    socket.bind({ port: o.port, address: host }, () => resolve());
  });
  socket.on('error', (err) => ctx.debug(`${o.service}: ${err.message}`));
  const local = socket.address();
  socket.on('message', (msg, rinfo) => {
    const meta: ConnMeta = {
      src_host: plainAddress(rinfo.address),
      src_port: rinfo.port,
      dst_host: plainAddress(local.address),
      dst_port: local.port,
    };
    try {
      o.onMessage(msg, meta, rinfo, socket);
    } catch (err) {
      ctx.count(o.service, 'handler_error');
      ctx.debug(`${o.service}: ${(err as Error).stack ?? String(err)}`);
    }
  });
  return {
    socket,
    port: local.port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
