/**
 * MSSQL honeypot: answers TDS PRELOGIN with the configured SQL Server version (mssql.version
 * 2008R2/2012/2014/2019/2022), reads LOGIN7 (reassembled across TDS packets), logs OpenCanary's 9001
 * {HostName, UserName, Password (de-obfuscated; OpenCanary loses it), AppName, ServerName, Language,
 * Database, CltIntName} or 9002 for integrated auth, and fails the login with SQL Server's own error
 * 18456 "Login failed for user 'X'." (18452 for SSPI). Hand-written: no maintained library
 * implements a SQL Server's side of TDS for a honeypot.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { LOGTYPE } from '../../log/logtypes.ts';
import { tcpService } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory } from '../../service/types.ts';
import {
  loginError,
  parseLogin7,
  preloginReply,
  TDS_LOGIN7,
  TDS_PRELOGIN,
  TDS_RESPONSE,
  TDS_SSPI,
  tdsPacket,
  VERSIONS,
} from './tds.ts';

const NAME = 'mssql';
const MAX_PENDING = 64 * 1024;
/** Client message types of MS-TDS 2.2.3.1.1 (plus nmap's 0x80 probe, answered with a reset below). */
const TDS_TYPES = new Set([0x01, 0x02, 0x03, 0x06, 0x07, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x80]);

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const versionName = String(ctx.conf.get<string>('mssql.version', '2022'));
  const version = VERSIONS[versionName] ?? VERSIONS['2022']!;
  if (!VERSIONS[versionName]) ctx.debug(`mssql: unknown mssql.version ${versionName}, using 2022`);
  /** Kyoka addition: the name SQL Server reports in its error tokens. */
  const serverName = String(ctx.conf.get<string>('mssql.server_name', 'SQL01')).slice(0, 128);
  const prelogin = tdsPacket(TDS_RESPONSE, preloginReply(version));

  function onLogin(socket: Socket, meta: ConnMeta, msg: Buffer): void {
    const login = parseLogin7(msg);
    if (!login) {
      ctx.count(NAME, 'malformed');
      socket.destroy();
      return;
    }
    const spid = 51 + randomInt(100);
    if (login.sspi) {
      ctx.log(meta, LOGTYPE.MSSQL_LOGIN_WINAUTH, { USERNAME: '', PASSWORD: '' });
      const text =
        'Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication.';
      socket.end(tdsPacket(TDS_RESPONSE, loginError(18452, text, serverName), spid));
      return;
    }
    const { sspi: _, ...logdata } = login;
    ctx.log(meta, LOGTYPE.MSSQL_LOGIN_SQLAUTH, logdata);
    const text = `Login failed for user '${login.UserName}'.`;
    socket.end(tdsPacket(TDS_RESPONSE, loginError(18456, text, serverName), spid));
  }

  function onConnection(socket: Socket, meta: ConnMeta): void {
    let buf: Buffer = Buffer.alloc(0);
    /** Payloads of a message spread over several packets (status without EOM). */
    let parts: Buffer[] = [];
    let partLen = 0;
    let done = false;
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (!done && buf.length >= 8) {
        const type = buf[0]!;
        const status = buf[1]!;
        const len = buf.readUInt16BE(2);
        if (!TDS_TYPES.has(type) || len < 8 || len > 32_768) {
          // not TDS at all (HTTP, TLS, scanners' junk): reset at once instead of waiting for `len`
          done = true;
          ctx.count(NAME, 'unexpected_packet');
          socket.destroy();
          return;
        }
        if (buf.length < len) break;
        parts.push(buf.subarray(8, len));
        partLen += len - 8;
        buf = buf.subarray(len);
        if (partLen > MAX_PENDING) {
          done = true;
          ctx.count(NAME, 'oversize');
          socket.destroy();
          return;
        }
        if ((status & 0x01) === 0) continue;
        const msg = Buffer.concat(parts);
        parts = [];
        partLen = 0;
        if (type === TDS_PRELOGIN) {
          socket.write(prelogin);
        } else if (type === TDS_LOGIN7) {
          done = true;
          onLogin(socket, meta, msg);
        } else {
          // SSPI continuation without a challenge, nmap's 0x80 probe, TLS or anything else: reset,
          // as SQL Server does for an out-of-sequence packet
          done = true;
          ctx.count(NAME, type === TDS_SSPI ? 'sspi_unexpected' : 'unexpected_packet');
          socket.destroy();
        }
      }
      if (buf.length > MAX_PENDING) {
        done = true;
        ctx.count(NAME, 'oversize');
        socket.destroy();
      }
    });
  }

  return tcpService(ctx, 'mssql', 1433, onConnection);
};
