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
import { honeycredChecker } from '../../auth/honeycreds.ts';
import { LOGTYPE } from '../../log/logtypes.ts';
import type { Conn } from '../../net/conn.ts';
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
const WONT_ECHO_FAILED = Buffer.concat([WONT_ECHO, FAILED]);
const PASSWORD = Buffer.from('Password: ');

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

/** What every session of one telnet service shares. */
interface TelnetShared {
  ctx: ServiceContext;
  honey: ReturnType<typeof honeycredChecker>;
}

/** Answers to the client's WILL x (DONT x) and DO x (WONT x), built once per option. */
const answers = new Map<number, Buffer>();
function answer(verb: number, opt: number): Buffer {
  const key = (verb << 8) | opt;
  let b = answers.get(key);
  if (!b) {
    b = Buffer.from([IAC, verb, opt]);
    answers.set(key, b);
  }
  return b;
}

/**
 * One connection after its first bytes arrived (an idle connection has none: see onData). The
 * state machine of Twisted's AuthenticatingTelnetProtocol; the IAC parsing is the base class.
 */
class TelnetSession extends TelnetParser {
  private wantPassword = false;
  private username = '';
  /** Twisted's option state for ECHO on our side: enabled, and a WILL ECHO awaiting an answer. */
  private echoOn = false;
  private echoAsked = false;

  constructor(
    private readonly socket: Conn,
    private readonly meta: ConnMeta,
    private readonly shared: TelnetShared,
  ) {
    super();
  }

  private send(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  private failReply(): void {
    if (this.echoOn && !this.echoAsked) {
      this.echoOn = false; // the client's DONT ECHO acknowledgement then needs no answer
      this.send(WONT_ECHO_FAILED);
    } else this.send(FAILED);
  }

  protected onCommand(cmd: number, opt: number): void {
    if (cmd === WILL) this.send(answer(DONT, opt));
    else if (cmd === DO) {
      if (opt !== ECHO) this.send(answer(WONT, opt));
      else if (this.echoAsked) {
        this.echoAsked = false;
        this.echoOn = true;
      } else if (!this.echoOn) this.send(WONT_ECHO);
    } else if (cmd === DONT && opt === ECHO) {
      if (this.echoAsked) this.echoAsked = false;
      else if (this.echoOn) {
        this.echoOn = false;
        this.send(WONT_ECHO);
      }
    }
  }

  protected onLine(bytes: Buffer): Promise<void> | undefined {
    const text = bytes.toString('utf8');
    if (!this.wantPassword) {
      this.username = text;
      this.wantPassword = true;
      if (!this.echoOn && !this.echoAsked) {
        this.echoAsked = true;
        this.send(WILL_ECHO_PASSWORD);
      } else this.send(PASSWORD);
      return;
    }
    this.wantPassword = false;
    const { ctx, honey } = this.shared;
    const logdata = { USERNAME: this.username, PASSWORD: text };
    if (!honey) {
      ctx.log(this.meta, LOGTYPE.TELNET_LOGIN_ATTEMPT, logdata);
      this.failReply();
      return;
    }
    return honey.check(this.username, text, this.meta.src_host).then((opts) => {
      ctx.log(this.meta, LOGTYPE.TELNET_LOGIN_ATTEMPT, logdata, opts);
      this.failReply();
    });
  }

  protected onMalformed(what: 'malformed' | 'oversize'): void {
    this.shared.ctx.count(NAME, what);
    this.socket.destroy();
  }

  protected pauseInput(): void {
    this.socket.pause();
  }

  protected resumeInput(): void {
    this.socket.resume();
  }
}

/**
 * A connection's state lives in one property of its socket: its ConnMeta until the first bytes
 * arrive, then its TelnetSession. An idle connection (10,000 of them in the memory bench) costs no
 * session, parser or closure, only the socket and its meta.
 */
const STATE = Symbol('kyoka.telnet');
type TelnetSocket = Conn & { [STATE]?: ConnMeta | TelnetSession };

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const port = ctx.conf.get<number>('telnet.port', 23);
  const bannerText = String(ctx.conf.get<string>('telnet.banner', ''));
  const logConnection = ctx.conf.get<boolean>('telnet.log_tcp_connection', false) === true;
  const shared: TelnetShared = { ctx, honey: honeycredChecker(ctx.conf, NAME, ctx.count) };
  const negotiation = Buffer.concat([NEGOTIATION, Buffer.from('\r\n')]);
  const prompt = Buffer.concat([
    telnetText(bannerText ? `${bannerText}\n` : ''),
    Buffer.from('User Access Verification\r\n\r\nUsername: '),
  ]);
  const ports: ServicePort[] = [{ port, transport: 'tcp' }];
  let listener: TcpListener | null = null;
  /**
   * Connections whose prompt is still held back (see onConnection), flushed by one shared timer:
   * a connection waits between one and two ticks, and costs no timer of its own. A connection
   * leaves these sets when its prompt is sent (by the tick or at its first bytes).
   */
  let youngGreets = new Set<Conn>();
  let oldGreets = new Set<Conn>();
  let greetTimer: NodeJS.Timeout | null = null;
  const greetTick = () => {
    for (const s of oldGreets) if (!s.destroyed) s.write(prompt);
    oldGreets = youngGreets;
    youngGreets = new Set();
    if (oldGreets.size === 0 && greetTimer) {
      clearInterval(greetTimer);
      greetTimer = null;
    }
  };

  /** The 'data' listener of every telnet socket (`this` is the socket). */
  function onData(this: TelnetSocket, chunk: Buffer): void {
    let session = this[STATE];
    // The replies to one segment (the held-back prompt, option answers, "Password: ") leave in one
    // writev at uncork instead of one write() each; records are written before, synchronously.
    this.cork();
    if (!(session instanceof TelnetSession)) {
      session = new TelnetSession(this, session as ConnMeta, shared);
      this[STATE] = session;
      // the prompt goes out now if the tick has not sent it yet
      if ((youngGreets.delete(this) || oldGreets.delete(this)) && !this.destroyed) this.write(prompt);
    }
    session.feed(chunk);
    this.uncork();
  }

  function onConnection(socket: TelnetSocket, meta: ConnMeta): void {
    socket[STATE] = meta;
    socket.on('data', onData);
    if (logConnection) ctx.log(meta, LOGTYPE.TELNET_CONNECTION_MADE, {});
    // The negotiation goes first and the prompt when the client answers it (or after at most
    // ~2 * GREET_TICK_MS): the same bytes as OpenCanary's single write, but split the way real
    // telnet daemons split them, which clients such as hydra need to see the prompt at all.
    socket.write(negotiation);
    youngGreets.add(socket);
    greetTimer ??= setInterval(greetTick, GREET_TICK_MS);
  }
  return {
    name: NAME,
    ports,
    async start() {
      listener = await listenTcp(ctx, { service: NAME, port, onConn: onConnection });
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
