/**
 * bench/honeypot/floor: the Node measuring stick one layer lower than bare-node.mjs. The same
 * minimal redis and ftp servers on libuv's TCP handles directly (Node's internal tcp_wrap /
 * stream_wrap bindings, as lib/net.js uses them): no net.Socket, no streams, no per-socket event
 * emitter. It asks whether any Node.js server, skipping everything above the handle, fits the
 * 5x budget. Internal API, Node 20: a measuring stick, never product code.
 *
 *   node raw-node.mjs PORT redis|ftp LOGFILE
 */
import { CONNECT_RECORD, openLog } from './log.mjs';

const { TCP, constants: TCP_CONST } = process.binding('tcp_wrap');
const { WriteWrap, ShutdownWrap, kReadBytesOrError, kArrayBufferOffset, streamBaseState } =
  process.binding('stream_wrap');

const [port, mode, logFile] = process.argv.slice(2);
const writeLog = openLog(logFile, port);
const log = (logtype, c, logdata) => writeLog(logtype, c.address, c.port, logdata);

function noop() {}
function write(handle, text) {
  const req = new WriteWrap();
  req.handle = handle;
  req.oncomplete = noop;
  req.async = false;
  handle.writeLatin1String(req, text);
}
function end(handle, text) {
  write(handle, text);
  const req = new ShutdownWrap();
  req.handle = handle;
  req.oncomplete = noop;
  handle.shutdown(req);
}
/** The bytes of the last read, or null at EOF / error (the handle is then closed). */
function chunk(handle, arrayBuffer) {
  const n = streamBaseState[kReadBytesOrError];
  if (n > 0) return Buffer.from(arrayBuffer, streamBaseState[kArrayBufferOffset], n);
  if (n < 0) handle.close();
  return null;
}

const NOAUTH = '-NOAUTH Authentication required.\r\n';
const server = new TCP(TCP_CONST.SERVER);
if (server.bind('127.0.0.1', Number(port)) || server.listen(511)) throw new Error(`cannot listen on ${port}`);
server.onconnection = (err, handle) => {
  if (err) return;
  const c = {};
  handle.getpeername(c);
  if (mode === 'redis') {
    handle.onread = (ab) => {
      const d = chunk(handle, ab);
      // redis-cli sends "*1\r\n$4\r\nping\r\n" per command
      for (let i = 0; d && i + 14 <= d.length && d[i] === 0x2a; i += 14) {
        log(17001, c, { CMD: 'PING' });
        write(handle, NOAUTH);
      }
    };
  } else {
    if (CONNECT_RECORD) log(2001, c, {});
    write(handle, '220 (vsFTPd 3.0.3)\r\n');
    let user = '';
    let rest = '';
    handle.onread = (ab) => {
      const d = chunk(handle, ab);
      if (!d) return;
      rest += d.toString('latin1');
      for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'USER') {
          user = line.slice(5);
          write(handle, '331 Please specify the password.\r\n');
        } else if (cmd === 'PASS') {
          log(2000, c, { USERNAME: user, PASSWORD: line.slice(5) });
          write(handle, '530 Login incorrect.\r\n');
        } else if (cmd === 'QUIT') end(handle, '221 Goodbye.\r\n');
        else write(handle, '500 Unknown command.\r\n');
      }
    };
  }
  handle.readStart();
};
console.error('floor: listening');
