/**
 * Redis honeypot: a password-protected Redis 7.0 as seen from the network. Hand-written because no
 * maintained library implements a Redis server's side for a honeypot. Every request (RESP, inline,
 * pipelined) is logged as OpenCanary's 17001 {CMD, ARGS} before its reply; replies are Redis 7.0's
 * exact texts: unknown command with the args hint, arity and unknown-subcommand errors, -NOAUTH for
 * known commands, -WRONGPASS for AUTH. Hot path: parse straight from the chunk, one write per chunk.
 */
import { LOGTYPE } from '../../log/logtypes.ts';
import type { Conn } from '../../net/conn.ts';
import { connService } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory } from '../../service/types.ts';
import { arityOk, COMMANDS } from './commands.ts';
import { EMPTY, NEED_MORE, OK, type ParseOut, parseRequest } from './resp.ts';

const NAME = 'redis';
/** Pending (incomplete) input kept per connection; Redis's own inline limit is also 64 KiB. */
const MAX_PENDING = 64 * 1024;

const NOAUTH = '-NOAUTH Authentication required.\r\n';
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
const HELLO_NOAUTH =
  '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n';

/** Redis replaces CR/LF in error texts so attacker input cannot inject protocol lines. */
function clean(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

function unknownCommand(argv: string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i]!.slice(0, 128 - args.length)}' `;
  return `${clean(`-ERR unknown command '${argv[0]!.slice(0, 128)}', with args beginning with: ${args}`)}\r\n`;
}

/** The reply a password-protected Redis 7.0 gives an unauthenticated client for `argv`. */
export function replyFor(argv: string[], up: string): string {
  const spec = COMMANDS.get(up);
  if (!spec) return unknownCommand(argv);
  const argc = argv.length;
  let full = up.toLowerCase();
  let arity = spec.arity;
  if (spec.subs && argc >= 2) {
    const sub = argv[1]!;
    const subArity = spec.subs.get(sub.toUpperCase());
    if (subArity === undefined)
      return `${clean(`-ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${up} HELP.`)}\r\n`;
    full = `${full}|${sub.toLowerCase()}`;
    arity = subArity;
  }
  if (!arityOk(arity, argc)) return `${clean(`-ERR wrong number of arguments for '${full}' command`)}\r\n`;
  if (up === 'AUTH') return argc > 3 ? '-ERR syntax error\r\n' : WRONGPASS;
  if (up === 'HELLO') {
    const v = argv[1];
    if (v !== undefined && v !== '2' && v !== '3') return '-NOPROTO unsupported protocol version\r\n';
    for (let i = 2; i < argc; i++) if (argv[i]!.toUpperCase() === 'AUTH') return WRONGPASS;
    return HELLO_NOAUTH;
  }
  return NOAUTH;
}

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const maxArg = ctx.conf.get<number>('redis.max_arg_length', 30);

  function logCommand(meta: ConnMeta, up: string, argv: string[]): void {
    let args = argv.length === 2 ? argv[1]! : argv.length < 2 ? '' : argv.slice(1).join(' ');
    if (args.length > maxArg) args = `${args.slice(0, maxArg)}(and ${args.length - maxArg} more bytes)`;
    ctx.log(meta, LOGTYPE.REDIS_ACTION, { CMD: up, ARGS: args });
  }

  function onConnection(socket: Conn, meta: ConnMeta): void {
    let pending: Buffer | null = null;
    const out: ParseOut = { argv: [], end: 0, err: '' };
    let closed = false;
    // Redis closes a client after these replies (CLIENT_CLOSE_AFTER_REPLY), not waiting for it
    const finish = (last: string) => {
      closed = true;
      socket.write(last);
      socket.destroySoon();
    };
    socket.on('data', (chunk: Buffer) => {
      if (closed) return;
      const buf: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let pos = 0;
      let reply = '';
      while (pos < buf.length) {
        const r = parseRequest(buf, pos, out);
        if (r === NEED_MORE) break;
        if (r === EMPTY) {
          pos = out.end;
          continue;
        }
        if (r !== OK) {
          ctx.count(NAME, 'protocol_error');
          finish(`${reply}-ERR Protocol error: ${clean(out.err)}\r\n`);
          return;
        }
        pos = out.end;
        const argv = out.argv;
        const up = argv[0]!.toUpperCase();
        if (up === 'QUIT') {
          finish(`${reply}+OK\r\n`);
          return;
        }
        logCommand(meta, up, argv);
        if (up === 'POST' || up === 'HOST:') {
          // Redis drops cross-protocol (HTTP) requests without a reply
          if (reply) socket.write(reply);
          socket.destroy();
          return;
        }
        reply += replyFor(argv, up);
      }
      if (pos < buf.length) {
        if (buf.length - pos > MAX_PENDING) {
          ctx.count(NAME, 'oversize');
          // an inline request that long is Redis's own "too big inline request"
          finish(buf[pos] === 42 ? reply : `${reply}-ERR Protocol error: too big inline request\r\n`);
          return;
        }
        pending = Buffer.from(buf.subarray(pos));
      }
      if (reply) socket.write(reply);
    });
  }

  return connService(ctx, 'redis', 6379, onConnection);
};
