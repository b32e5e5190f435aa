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
import type { Socket } from 'node:net';
import { honeycredChecker } from '../../auth/honeycreds.ts';
import { LOGTYPE } from '../../log/logtypes.ts';
import { listenTcp, type TcpListener } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory, ServicePort } from '../../service/types.ts';

const NAME = 'ftp';
/** Pending (unterminated) input allowed per connection before it is dropped. */
const MAX_PENDING = 64 * 1024;
const FEAT_REPLY = '211-Features:\r\n FEAT\r\n MDTM\r\n PASV\r\n SIZE\r\n TYPE A;I\r\n211 End\r\n';

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const port = ctx.conf.get<number>('ftp.port', 21);
  const banner = String(ctx.conf.get<string>('ftp.banner', '(vsFTPd 3.0.3)'));
  const logInitiated = ctx.conf.get<boolean>('ftp.log_auth_attempt_initiated', false) === true;
  const honey = honeycredChecker(ctx.conf, NAME, ctx.count);
  const welcome = Buffer.from(`220 ${banner}\r\n`, 'utf8');
  const ports: ServicePort[] = [{ port, transport: 'tcp' }];
  let listener: TcpListener | null = null;

  function onConnection(socket: Socket, meta: ConnMeta): void {
    let pending: Buffer | null = null;
    /** null: no USER yet (Twisted's UNAUTH); a string: USER given, PASS expected (INAUTH). */
    let user: string | null = null;
    let closed = false;
    /** Set while a honeycred verdict is computed: input waits so replies keep their order. */
    let busy = false;

    const reply = (s: string): undefined => {
      if (!closed) socket.write(`${s}\r\n`);
    };

    /** Handles one command line; returns a promise only when it has to wait for a honeycred verdict. */
    function command(line: string): Promise<void> | undefined {
      const sp = line.indexOf(' ');
      const raw = sp === -1 ? line : line.slice(0, sp);
      const arg = sp === -1 ? undefined : line.slice(sp + 1);
      const cmd = raw.toUpperCase();
      if (cmd === 'QUIT') {
        reply('221 Goodbye.');
        closed = true;
        socket.end();
        return;
      }
      if (cmd === 'FEAT') {
        socket.write(FEAT_REPLY);
        return;
      }
      if (user === null) {
        if (cmd === 'USER') {
          if (!arg) return reply(`500 Syntax error: ${raw} requires an argument`);
          user = arg;
          return reply(
            arg === 'anonymous'
              ? '331 Guest login ok, type your email address as password.'
              : `331 Password required for ${arg}.`,
          );
        }
        return reply(
          cmd === 'PASS'
            ? '503 Incorrect sequence of commands: USER required before PASS'
            : '530 Please login with USER and PASS.',
        );
      }
      if (cmd !== 'PASS') return reply('503 Incorrect sequence of commands: PASS required after USER');
      if (arg === undefined) return reply(`500 Syntax error: ${raw} requires an argument`);
      const username = user;
      user = null;
      if (logInitiated) ctx.log(meta, LOGTYPE.FTP_AUTH_ATTEMPT_INITIATED, {});
      const logdata = { USERNAME: username, PASSWORD: arg };
      if (!honey) {
        ctx.log(meta, LOGTYPE.FTP_LOGIN_ATTEMPT, logdata);
        return reply('530 Sorry, Authentication failed.');
      }
      return honey.check(username, arg, meta.src_host).then((opts) => {
        ctx.log(meta, LOGTYPE.FTP_LOGIN_ATTEMPT, logdata, opts);
        reply('530 Sorry, Authentication failed.');
      });
    }

    function drain(): void {
      while (pending && !closed && !busy) {
        const nl = pending.indexOf(10);
        if (nl === -1) break;
        const end = nl > 0 && pending[nl - 1] === 13 ? nl - 1 : nl;
        const line = pending.toString('utf8', 0, end);
        pending = nl + 1 >= pending.length ? null : pending.subarray(nl + 1);
        const wait = command(line);
        if (wait) {
          busy = true;
          socket.pause();
          wait.then(
            () => {
              busy = false;
              socket.resume();
              drain();
            },
            () => socket.destroy(),
          );
        }
      }
    }

    socket.on('data', (chunk: Buffer) => {
      if (closed) return;
      pending = pending ? Buffer.concat([pending, chunk]) : chunk;
      drain();
      if (pending && pending.length > MAX_PENDING) {
        ctx.count(NAME, 'oversize');
        closed = true;
        socket.destroy();
      }
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.write(welcome);
  }

  return {
    name: NAME,
    ports,
    async start() {
      listener = await listenTcp(ctx, { service: NAME, port, onConnection });
      ports[0] = { port: listener.port, transport: 'tcp' };
    },
    async stop() {
      await listener?.close();
      listener = null;
    },
  };
};
