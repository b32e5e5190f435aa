/**
 * MySQL/MariaDB honeypot: sends a MariaDB 10.11 handshake (v10, mysql_native_password, printable
 * salt, random thread ids), reads the client's handshake response, logs OpenCanary's 8001
 * {USERNAME, PASSWORD: hex of the auth response or null} and answers ERR 1045 like a real server.
 * Clients asking for another auth plugin get an auth switch to mysql_native_password first, as
 * MariaDB does. Hand-written: no maintained library implements a MySQL server's side for a honeypot.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { LOGTYPE } from '../../log/logtypes.ts';
import { tcpService } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory } from '../../service/types.ts';
import { parseHandshakeResponse } from './packets.ts';

const NAME = 'mysql';
const MAX_PENDING = 64 * 1024;
const PLUGIN = 'mysql_native_password';

function packet(seq: number, payload: Buffer): Buffer {
  const h = Buffer.allocUnsafe(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq & 0xff;
  return Buffer.concat([h, payload]);
}

/** MariaDB's create_random_string: characters '!'..'~'. */
function salt(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = 33 + randomInt(94);
  return b;
}

function errPacket(seq: number, code: number, state: string, msg: string): Buffer {
  const head = Buffer.alloc(9);
  head[0] = 0xff;
  head.writeUInt16LE(code, 1);
  head.write(`#${state}`, 3, 'latin1');
  return packet(seq, Buffer.concat([head, Buffer.from(msg, 'utf8')]));
}

function greeting(version: string, threadId: number): Buffer {
  const s = salt(20);
  const fixed = Buffer.alloc(31);
  fixed.writeUInt32LE(threadId >>> 0, 0);
  s.copy(fixed, 4, 0, 8);
  // [12] filler 0; capabilities as MariaDB 10.11 without SSL; utf8mb4_general_ci; autocommit
  fixed.writeUInt16LE(0xf7fe, 13);
  fixed[15] = 45;
  fixed.writeUInt16LE(0x0002, 16);
  fixed.writeUInt16LE(0x81ff, 18);
  fixed[20] = 21;
  // [21..26] filler; [27..30] MariaDB extended capabilities
  fixed.writeUInt32LE(0x1d, 27);
  return packet(
    0,
    Buffer.concat([
      Buffer.from([10]),
      Buffer.from(`${version}\0`, 'latin1'),
      fixed,
      s.subarray(8),
      Buffer.from(`\0${PLUGIN}\0`, 'latin1'),
    ]),
  );
}

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const version = ctx.conf
    .get<string>('mysql.banner', '5.5.5-10.11.6-MariaDB-0+deb12u1')
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, 200);
  const logConnect = ctx.conf.get<boolean>('mysql.log_connection_made', false);
  let threadId = 1000 + randomInt(0x7fff);

  function deny(socket: Socket, meta: ConnMeta, seq: number, user: string, auth: Buffer): void {
    const password = auth.length > 0 ? auth.toString('hex') : null;
    ctx.log(meta, LOGTYPE.MYSQL_LOGIN_ATTEMPT, { USERNAME: user, PASSWORD: password });
    const yes = password === null ? 'NO' : 'YES';
    const msg = `Access denied for user '${user}'@'${meta.src_host}' (using password: ${yes})`;
    socket.end(errPacket(seq, 1045, '28000', msg));
  }

  function onConnection(socket: Socket, meta: ConnMeta): void {
    threadId = (threadId + 1 + randomInt(5)) >>> 0;
    if (logConnect) ctx.log(meta, LOGTYPE.MYSQL_CONNECTION_MADE, {});
    socket.write(greeting(version, threadId));
    let buf: Buffer = Buffer.alloc(0);
    let user: string | null = null;
    let done = false;
    const fail = (what: string, reply?: Buffer) => {
      ctx.count(NAME, what);
      done = true;
      if (reply) socket.end(reply);
      else socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (!done && buf.length >= 4) {
        const len = buf.readUIntLE(0, 3);
        const seq = buf[3]!;
        if (buf.length < 4 + len) {
          if (4 + len > MAX_PENDING) fail('oversize');
          break;
        }
        const payload = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (user === null) {
          if (seq !== 1) return fail('bad_sequence', errPacket(1, 1156, '08S01', 'Got packets out of order'));
          const r = parseHandshakeResponse(payload);
          if (!r) return fail('malformed', errPacket(2, 1043, '08S01', 'Bad handshake'));
          // SSL request while the server offers none: what MariaDB without SSL answers
          if (r.sslOnly) return fail('ssl_request', errPacket(2, 1043, '08S01', 'Bad handshake'));
          if (r.plugin && r.plugin !== PLUGIN) {
            // auth switch to mysql_native_password, as MariaDB does for other plugins
            user = r.user;
            socket.write(
              packet(2, Buffer.concat([Buffer.from(`\xfe${PLUGIN}\0`, 'latin1'), salt(20), Buffer.alloc(1)])),
            );
            continue;
          }
          done = true;
          deny(socket, meta, 2, r.user, r.auth);
        } else {
          // the auth switch response: the scramble made with our salt
          done = true;
          deny(socket, meta, seq + 1, user, Buffer.from(payload));
        }
      }
    });
  }

  return tcpService(ctx, 'mysql', 3306, onConnection);
};
