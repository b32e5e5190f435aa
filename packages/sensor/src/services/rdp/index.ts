/**
 * OpenCanary's rdp service: answers the X.224 Connection Request with the exact Connection
 * Confirm OpenCanary sends (an NLA-capable server selecting CredSSP), then to the next chunk
 * (the TLS ClientHello) with an RDP negotiation failure, and closes. Each received chunk is
 * logged as 14001 {USERNAME} from the `Cookie: mstshash=` value, or null, as OpenCanary does.
 * Hand-written: no maintained library plays the server side of RDP's connection sequence.
 */
import type { Socket } from 'node:net';
import { tcpService } from '../../net/tcp.ts';
import type { ConnMeta, ServiceFactory } from '../../service/types.ts';

export const X224_CC = Buffer.from('030000130ed000001234000209080002000000', 'hex');
export const NEG_FAILURE = Buffer.from('0001000400010000052e', 'hex');

/** The mstshash cookie's user name, with OpenCanary's character set; null when absent. */
export function cookieUser(data: Buffer): string | null {
  const m = /mstshash=([a-zA-Z0-9\-_@]*)/.exec(data.toString('latin1'));
  return m ? (m[1] ?? '') : null;
}

export const factory: ServiceFactory = (ctx) => {
  function onConnection(socket: Socket, meta: ConnMeta): void {
    let first = true;
    socket.on('data', (chunk: Buffer) => {
      // a chunk is bounded by the socket's read size; only its head can hold the cookie
      ctx.log(meta, 14001, { USERNAME: cookieUser(chunk.subarray(0, 4096)) });
      if (first) {
        first = false;
        socket.write(X224_CC);
      } else {
        socket.removeAllListeners('data');
        socket.end(NEG_FAILURE);
      }
    });
  }

  return tcpService(ctx, 'rdp', 3389, onConnection);
};
