/**
 * bench/honeypot/floor: the least a Node.js honeypot can spend per attempt. The same minimal
 * servers as floor.c on node:net / node:http (what any Node implementation runs on): answer, and
 * write one JSON log line with fs.writeSync before answering. No limits, no personality, no
 * sanitising; not Kyoka code, a measuring stick. Plain JavaScript so it runs without tsx.
 *
 *   node bare-node.mjs PORT redis|ftp|http|ssh LOGFILE
 */
import { createServer as httpServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { CONNECT_RECORD, openLog } from './log.mjs';

const [port, mode, logFile] = process.argv.slice(2);
const writeLog = openLog(logFile, port);
const log = (logtype, sock, logdata) => writeLog(logtype, sock.remoteAddress, sock.remotePort, logdata);

const NOAUTH = Buffer.from('-NOAUTH Authentication required.\r\n');
const page = Buffer.alloc(1995, 'a');
let server;
if (mode === 'ssh') {
  // ssh2's public Server with one Ed25519 host key; every password is logged and refused at once
  const { default: ssh2 } = await import('ssh2');
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  server = new ssh2.Server({ hostKeys: [hostKey], ident: 'OpenSSH_9.2p1 Debian-2+deb12u3' }, (client) => {
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password') log(4002, client._sock, { USERNAME: ctx.username, PASSWORD: ctx.password });
      ctx.reject(['publickey', 'password']);
    });
  });
} else if (mode === 'http') {
  server = httpServer((req, res) => {
    log(3000, req.socket, { HOSTNAME: req.headers.host, PATH: req.url, USERAGENT: req.headers['user-agent'] ?? '' });
    res.writeHead(200, {
      Server: 'Apache/2.4.62 (Debian)',
      'Content-Type': 'text/html',
      'Content-Length': page.length,
    });
    res.end(page);
  });
} else if (mode === 'redis') {
  server = netServer((s) => {
    s.on('error', () => {});
    s.on('data', (d) => {
      // redis-cli sends "*1\r\n$4\r\nping\r\n" per command
      for (let i = 0; i + 14 <= d.length && d[i] === 0x2a; i += 14) {
        log(17001, s, { CMD: 'PING' });
        s.write(NOAUTH);
      }
    });
  });
} else {
  server = netServer((s) => {
    s.on('error', () => {});
    if (CONNECT_RECORD) log(2001, s, {});
    s.write('220 (vsFTPd 3.0.3)\r\n');
    let user = '';
    let rest = '';
    s.on('data', (d) => {
      rest += d.toString('latin1');
      for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'USER') {
          user = line.slice(5);
          s.write('331 Please specify the password.\r\n');
        } else if (cmd === 'PASS') {
          log(2000, s, { USERNAME: user, PASSWORD: line.slice(5) });
          s.write('530 Login incorrect.\r\n');
        } else if (cmd === 'QUIT') {
          s.end('221 Goodbye.\r\n');
        } else s.write('500 Unknown command.\r\n');
      }
    });
  });
}
server.listen(Number(port), '127.0.0.1', () => console.error('floor: listening'));
