/**
 * Telnet honeypot with OpenCanary's exact wire bytes (Twisted's AuthenticatingTelnetProtocol over
 * TelnetTransport, Cisco-style): on connect `FF FB 01 FF FB 03 FF FB 00 FF FD 00 FF FD 1F \r\n`,
 * `telnet.banner` (+ "\n", sent as CRLF), `User Access Verification\r\n\r\nUsername: `; after the
 * username IAC WILL ECHO and `Password: `; after the password IAC WONT ECHO (when the client had
 * agreed to echo) and `\r\nAuthentication failed\r\nUsername: `. Option negotiation answers like
 * Twisted's (every WILL refused with DONT, every DO with WONT). Logs 6002 {} on connect when
 * telnet.log_tcp_connection, 6001 {USERNAME, PASSWORD} per attempt with the honeycred flag when
 * telnet.honeycreds is set. The IAC parsing is in ./telnet-parser.ts.
 * The prompt follows the negotiation in a later segment (when the client answers it, else within
 * ~200 ms): same bytes, but hydra and similar tools only find the prompt that way.
 * Hand-written: no maintained library implements a honeypot's side of telnet.
 * Difference from OpenCanary, on purpose: Twisted waits for the client's DONT ECHO before saying
 * "Authentication failed" and hangs forever when a client ignores the negotiation; the bytes sent
 * here are the same, but never wait for the client.
 */
import type { Socket } from 'node:net';
import { honeycredChecker } from '../../auth/honeycreds.ts';
import { LOGTYPE } from '../../log/logtypes.ts';
import { listenTcp, type TcpListener } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory, ServicePort } from '../../service/types.ts';
import { DO, DONT, ECHO, IAC, TelnetParser, WILL, WONT } from './telnet-parser.ts';

const NAME = 'telnet';
const GREET_TICK_MS = 100;
const NEGOTIATION = Buffer.from([
  0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03, 0xff, 0xfb, 0x00, 0xff, 0xfd, 0x00, 0xff, 0xfd, 0x1f,
]);
const FAILED = Buffer.from('\r\nAuthentication failed\r\nUsername: ');
const WILL_ECHO_PASSWORD = Buffer.concat([Buffer.from([IAC, WILL, ECHO]), Buffer.from('Password: ')]);
const WONT_ECHO = Buffer.from([IAC, WONT, ECHO]);

/** Twisted's TelnetTransport.write: IAC doubled, then LF sent as CRLF. */
export function telnetText(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out: number[] = [];
  for (const c of b) {
    if (c === 0xff) out.push(0xff, 0xff);
    else if (c === 0x0a) out.push(0x0d, 0x0a);
    else out.push(c);
  }
  return Buffer.from(out);
}

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const port = ctx.conf.get<number>('telnet.port', 23);
  const bannerText = String(ctx.conf.get<string>('telnet.banner', ''));
  const logConnection = ctx.conf.get<boolean>('telnet.log_tcp_connection', false) === true;
  const honey = honeycredChecker(ctx.conf, NAME, ctx.count);
  const negotiation = Buffer.concat([NEGOTIATION, Buffer.from('\r\n')]);
  const prompt = Buffer.concat([
    telnetText(bannerText ? `${bannerText}\n` : ''),
    Buffer.from('User Access Verification\r\n\r\nUsername: '),
  ]);
  const ports: ServicePort[] = [{ port, transport: 'tcp' }];
  let listener: TcpListener | null = null;
  /**
   * Connections whose prompt is still held back (see onConnection), flushed by one shared timer:
   * a connection waits between one and two ticks, and costs no timer of its own.
   */
  let youngGreets = new Set<() => void>();
  let oldGreets = new Set<() => void>();
  let greetTimer: NodeJS.Timeout | null = null;
  const greetTick = () => {
    for (const g of oldGreets) g();
    oldGreets = youngGreets;
    youngGreets = new Set();
    if (oldGreets.size === 0 && greetTimer) {
      clearInterval(greetTimer);
      greetTimer = null;
    }
  };

  function onConnection(socket: Socket, meta: ConnMeta): void {
    let wantPassword = false;
    let username = '';
    /** Twisted's option state for ECHO on our side: enabled, and a WILL ECHO awaiting an answer. */
    let echoOn = false;
    let echoAsked = false;

    const send = (b: Buffer) => {
      if (!socket.destroyed) socket.write(b);
    };

    const failReply = () => {
      if (echoOn && !echoAsked) {
        echoOn = false; // the client's DONT ECHO acknowledgement then needs no answer
        send(Buffer.concat([WONT_ECHO, FAILED]));
      } else send(FAILED);
    };

    const parser = new TelnetParser({
      command(cmd, opt) {
        if (cmd === WILL) send(Buffer.from([IAC, DONT, opt]));
        else if (cmd === DO) {
          if (opt !== ECHO) send(Buffer.from([IAC, WONT, opt]));
          else if (echoAsked) {
            echoAsked = false;
            echoOn = true;
          } else if (!echoOn) send(Buffer.from([IAC, WONT, ECHO]));
        } else if (cmd === DONT && opt === ECHO) {
          if (echoAsked) echoAsked = false;
          else if (echoOn) {
            echoOn = false;
            send(WONT_ECHO);
          }
        }
      },
      line(bytes) {
        const text = bytes.toString('utf8');
        if (!wantPassword) {
          username = text;
          wantPassword = true;
          if (!echoOn && !echoAsked) {
            echoAsked = true;
            send(WILL_ECHO_PASSWORD);
          } else send(Buffer.from('Password: '));
          return;
        }
        wantPassword = false;
        const logdata = { USERNAME: username, PASSWORD: text };
        if (!honey) {
          ctx.log(meta, LOGTYPE.TELNET_LOGIN_ATTEMPT, logdata);
          failReply();
          return;
        }
        return honey.check(username, text, meta.src_host).then((opts) => {
          ctx.log(meta, LOGTYPE.TELNET_LOGIN_ATTEMPT, logdata, opts);
          failReply();
        });
      },
      malformed(what) {
        ctx.count(NAME, what);
        socket.destroy();
      },
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    });

    // The negotiation goes first and the prompt when the client answers it (or after at most
    // ~2 * GREET_TICK_MS): the same bytes as OpenCanary's single write, but split the way real
    // telnet daemons split them, which clients such as hydra need to see the prompt at all.
    let greeted = false;
    const greet = () => {
      if (greeted) return;
      greeted = true;
      youngGreets.delete(greet);
      oldGreets.delete(greet);
      send(prompt);
    };
    socket.on('data', (chunk: Buffer) => {
      greet();
      parser.feed(chunk);
    });
    socket.once('close', () => {
      greeted = true;
      youngGreets.delete(greet);
      oldGreets.delete(greet);
    });
    if (logConnection) ctx.log(meta, LOGTYPE.TELNET_CONNECTION_MADE, {});
    socket.write(negotiation);
    youngGreets.add(greet);
    greetTimer ??= setInterval(greetTick, GREET_TICK_MS);
  }

  return {
    name: NAME,
    ports,
    async start() {
      listener = await listenTcp(ctx, { service: NAME, port, onConnection });
      ports[0] = { port: listener.port, transport: 'tcp' };
    },
    async stop() {
      if (greetTimer) clearInterval(greetTimer);
      greetTimer = null;
      await listener?.close();
      listener = null;
    },
  };
};
