/**
 * FTP honeypot: the pre-login half of an FTP server, replying byte for byte like OpenCanary's
 * (Twisted's FTP protocol with a deny-all portal): `220 <ftp.banner>`, USER -> 331 (anonymous gets
 * the guest variant), PASS -> `530 Sorry, Authentication failed.`, PASS before USER -> 503, any
 * other command before login -> `530 Please login with USER and PASS.`, FEAT and QUIT always work.
 * Logs 2000 {USERNAME, PASSWORD} per PASS, preceded by 2001 {} when ftp.log_auth_attempt_initiated,
 * with the honeycred flag when ftp.honeycreds is configured (OpenCanary's base service does this
 * for every service). Hand-written: no maintained library implements a honeypot's side of FTP.
 * Differences from OpenCanary, on purpose: the default banner is vsftpd's for the personality,
 * and a bare LF also ends a command (as vsftpd accepts), where Twisted waits for CRLF forever.
 */
import { honeycredChecker } from '../../auth/honeycreds.ts';
import { LOGTYPE } from '../../log/logtypes.ts';
import type { Conn } from '../../net/conn.ts';
import { listenTcp, type TcpListener } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory, ServicePort } from '../../service/types.ts';

const NAME = 'ftp';
/** Pending (unterminated) input allowed per connection before it is dropped. */
const MAX_PENDING = 64 * 1024;
const FEAT_REPLY = '211-Features:\r\n FEAT\r\n MDTM\r\n PASV\r\n SIZE\r\n TYPE A;I\r\n211 End\r\n';

/** What every session of one FTP service shares. */
interface FtpShared {
  ctx: ServiceContext;
  logInitiated: boolean;
  honey: ReturnType<typeof honeycredChecker>;
}

/** One connection after its first bytes (an idle connection has none: see onData in the factory). */
class FtpSession {
  private pending: Buffer | null = null;
  /** null: no USER yet (Twisted's UNAUTH); a string: USER given, PASS expected (INAUTH). */
  private user: string | null = null;
  /** Set while a honeycred verdict is computed: input waits so replies keep their order. */
  private busy = false;

  constructor(
    private readonly socket: Conn,
    private readonly meta: ConnMeta,
    private readonly shared: FtpShared,
  ) {}

  /** After QUIT, oversize input or the connection's end nothing more is read or written. */
  private get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  private reply(s: string): undefined {
    if (!this.closed) this.socket.write(`${s}\r\n`);
  }

  data(chunk: Buffer): void {
    if (this.closed) return;
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.drain();
    if (this.pending && this.pending.length > MAX_PENDING) {
      this.shared.ctx.count(NAME, 'oversize');
      this.socket.destroy();
    }
  }

  private drain(): void {
    while (this.pending && !this.closed && !this.busy) {
      const pending: Buffer = this.pending;
      const nl = pending.indexOf(10);
      if (nl === -1) break;
      const end = nl > 0 && pending[nl - 1] === 13 ? nl - 1 : nl;
      const line = pending.toString('utf8', 0, end);
      this.pending = nl + 1 >= pending.length ? null : pending.subarray(nl + 1);
      const wait = this.command(line);
      if (wait) {
        this.busy = true;
        this.socket.pause();
        wait.then(
          () => {
            this.busy = false;
            this.socket.resume();
            this.drain();
          },
          () => this.socket.destroy(),
        );
      }
    }
  }

  /** Handles one command line; returns a promise only when it has to wait for a honeycred verdict. */
  private command(line: string): Promise<void> | undefined {
    const sp = line.indexOf(' ');
    const raw = sp === -1 ? line : line.slice(0, sp);
    const arg = sp === -1 ? undefined : line.slice(sp + 1);
    const cmd = raw.toUpperCase();
    if (cmd === 'QUIT') {
      // vsftpd (and Twisted's loseConnection) close after the reply, not waiting for the client
      this.reply('221 Goodbye.');
      this.socket.destroySoon();
      return;
    }
    if (cmd === 'FEAT') {
      this.socket.write(FEAT_REPLY);
      return;
    }
    if (this.user === null) {
      if (cmd === 'USER') {
        if (!arg) return this.reply(`500 Syntax error: ${raw} requires an argument`);
        this.user = arg;
        return this.reply(
          arg === 'anonymous'
            ? '331 Guest login ok, type your email address as password.'
            : `331 Password required for ${arg}.`,
        );
      }
      return this.reply(
        cmd === 'PASS'
          ? '503 Incorrect sequence of commands: USER required before PASS'
          : '530 Please login with USER and PASS.',
      );
    }
    if (cmd !== 'PASS') return this.reply('503 Incorrect sequence of commands: PASS required after USER');
    if (arg === undefined) return this.reply(`500 Syntax error: ${raw} requires an argument`);
    const username = this.user;
    this.user = null;
    const { ctx, honey } = this.shared;
    if (this.shared.logInitiated) ctx.log(this.meta, LOGTYPE.FTP_AUTH_ATTEMPT_INITIATED, {});
    const logdata = { USERNAME: username, PASSWORD: arg };
    if (!honey) {
      ctx.log(this.meta, LOGTYPE.FTP_LOGIN_ATTEMPT, logdata);
      return this.reply('530 Sorry, Authentication failed.');
    }
    return honey.check(username, arg, this.meta.src_host).then((opts) => {
      ctx.log(this.meta, LOGTYPE.FTP_LOGIN_ATTEMPT, logdata, opts);
      this.reply('530 Sorry, Authentication failed.');
    });
  }
}

/**
 * A connection's state is one property of its socket: its ConnMeta until the first bytes, then
 * its FtpSession; the 'data' listener is one function for all sockets. No closures per connection.
 */
const STATE = Symbol('kyoka.ftp');
type FtpSocket = Conn & { [STATE]?: ConnMeta | FtpSession };

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const port = ctx.conf.get<number>('ftp.port', 21);
  const banner = String(ctx.conf.get<string>('ftp.banner', '(vsFTPd 3.0.3)'));
  const shared: FtpShared = {
    ctx,
    logInitiated: ctx.conf.get<boolean>('ftp.log_auth_attempt_initiated', false) === true,
    honey: honeycredChecker(ctx.conf, NAME, ctx.count),
  };
  const welcome = Buffer.from(`220 ${banner}\r\n`, 'utf8');
  const ports: ServicePort[] = [{ port, transport: 'tcp' }];
  let listener: TcpListener | null = null;

  /** The 'data' listener of every FTP socket of this service (`this` is the socket). */
  function onData(this: FtpSocket, chunk: Buffer): void {
    const state = this[STATE];
    if (state instanceof FtpSession) {
      state.data(chunk);
      return;
    }
    const session = new FtpSession(this, state as ConnMeta, shared);
    this[STATE] = session;
    session.data(chunk);
  }

  function onConnection(socket: FtpSocket, meta: ConnMeta): void {
    socket[STATE] = meta;
    socket.on('data', onData);
    socket.write(welcome);
  }

  return {
    name: NAME,
    ports,
    async start() {
      listener = await listenTcp(ctx, { service: NAME, port, onConn: onConnection });
      ports[0] = { port: listener.port, transport: 'tcp' };
    },
    async stop() {
      await listener?.close();
      listener = null;
    },
  };
};
