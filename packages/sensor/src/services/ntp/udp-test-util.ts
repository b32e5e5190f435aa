/** Test helper for the log-only UDP services: sends one datagram from a fresh socket and reports its port. */
import { createSocket } from 'node:dgram';

export async function sendUdp(port: number, payload: Buffer | string): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const src = s.address().port;
  await new Promise<void>((resolve, reject) => s.send(payload, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  s.close();
  return src;
}
