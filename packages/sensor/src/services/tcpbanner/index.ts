/**
 * OpenCanary's tcpbanner_N services (N = 1..10, port 8000+N): send `initbanner` on connect and
 * `datareceivedbanner` after every chunk received, logging as OpenCanary does:
 * 18001 on connect (unless an alert string is required), 18005 per chunk (only chunks holding
 * the alert string when alertstring.enabled), and in keep-alive mode 18002 on connect, 18004
 * per chunk until the keep-alive secret arrives (18003), after which the connection is quiet.
 * Banners are unescaped from `\r` / `\n` escapes; DATA is the chunk's first 255 bytes, right-trimmed.
 * Hand-written: a few lines of socket code, nothing to borrow.
 */
import type { Socket } from 'node:net';
import { listenTcp, type TcpListener } from '../../net/tcp.ts';
import type { ConnMeta, ServiceFactory, ServicePort } from '../../service/types.ts';

/** OpenCanary's unescaping: a literal backslash-n / backslash-r becomes LF / CR. */
export function unescapeBanner(s: string): Buffer {
  return Buffer.from(s.replaceAll('\\n', '\n').replaceAll('\\r', '\r'), 'utf8');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function text(b: Buffer): string {
  try {
    return utf8.decode(b);
  } catch {
    return b.toString('latin1');
  }
}

export function tcpbannerFactory(n: number): ServiceFactory {
  const name = `tcpbanner_${n}`;
  return (ctx) => {
    const c = ctx.conf;
    const get = <T>(k: string, d: T): T => c.get<T>(`${name}.${k}`, d);
    const ports: ServicePort[] = [{ port: get<number>('port', 8000 + n), transport: 'tcp' }];
    const initBanner = unescapeBanner(get<string>('initbanner', ''));
    const dataBanner = unescapeBanner(get<string>('datareceivedbanner', ''));
    const alertEnabled = get<boolean>('alertstring.enabled', false);
    const alert = unescapeBanner(get<string>('alertstring', ''));
    const keepAlive = get<boolean>('keep_alive.enabled', get<boolean>('keep_alive', false));
    const secret = unescapeBanner(get<string>('keep_alive_secret', ''));
    const idleSec = get<number>('keep_alive_idle', 300);
    const id = String(n);
    const initData = text(initBanner.subarray(0, 255));
    // an alert string or secret split across two reads is still seen: keep the previous tail
    const tailLen = Math.max(alert.length, secret.length, 1) - 1;
    let listener: TcpListener | null = null;

    function onConnection(socket: Socket, meta: ConnMeta): void {
      let quiet = false;
      let tail: Buffer = Buffer.alloc(0);
      const connData = { FUNCTION: 'CONNECTION_MADE', DATA: initData, BANNER_ID: id };
      if (keepAlive) {
        // TCP_KEEPINTVL / TCP_KEEPCNT (keep_alive_interval / _probes) need Node >= 22.?; idle is set
        socket.setKeepAlive(true, Math.max(1, idleSec) * 1000);
        ctx.log(meta, 18002, connData);
      } else if (!alertEnabled) ctx.log(meta, 18001, connData);
      if (initBanner.length) socket.write(initBanner);

      socket.on('data', (chunk: Buffer) => {
        if (quiet) {
          if (dataBanner.length) socket.write(dataBanner);
          return;
        }
        const head = chunk.subarray(0, 255);
        const seen = tailLen > 0 ? Buffer.concat([tail, chunk]) : chunk;
        tail = tailLen > 0 ? seen.subarray(Math.max(0, seen.length - tailLen)) : tail;
        const logdata: Record<string, unknown> = {
          FUNCTION: 'DATA_RECEIVED',
          BANNER_ID: id,
          DATA: text(head).trimEnd(),
        };
        let logtype = 18005;
        let send = true;
        if (keepAlive) {
          if (secret.length > 0 && seen.includes(secret)) {
            quiet = true;
            logtype = 18003;
            logdata.SECRET_STRING = text(secret);
          } else logtype = 18004;
        } else if (alertEnabled) {
          if (seen.includes(alert)) logdata.ALERT_STRING = text(alert);
          else send = false;
        }
        if (send) ctx.log(meta, logtype, logdata);
        if (dataBanner.length) socket.write(dataBanner);
      });
    }

    return {
      name,
      ports,
      async start() {
        listener = await listenTcp(ctx, {
          service: name,
          port: (ports[0] as ServicePort).port,
          // keep-alive mode holds connections open for hours, as OpenCanary's does
          idleMs: keepAlive ? Math.max(60, idleSec * 12) * 1000 : undefined,
          onConnection,
        });
        ports[0] = { port: listener.port, transport: 'tcp' };
      },
      async stop() {
        await listener?.close();
        listener = null;
      },
    };
  };
}
