/**
 * Parser throughput: parses N lines per case (default 100k) and prints events/s and µs/event.
 * Run: node --import tsx bench/parsers/run.ts [N]
 */
import { createParser, parseProgramLine } from '../../packages/core/src/parsers/index.ts';
import { SyslogFrameDecoder } from '../../packages/core/src/syslog/framing.ts';
import { parseSyslog } from '../../packages/core/src/syslog/parse.ts';

const N = Number(process.argv[2] ?? 100_000);
const ctx = { receivedAt: new Date(), sourceName: 'bench', peerIp: '192.0.2.1', transport: 'udp' as const };

const OC =
  '{"dst_host": "192.168.0.6", "dst_port": 21, "local_time": "2019-01-07 13:47:45.817940", "logdata": {"PASSWORD": "123456", "USERNAME": "test"}, "logtype": 2000, "node_id": "opencanary-1", "src_host": "192.168.0.5", "src_port": 35990}';
const WP =
  '{"eventName": "HTTPRequest", "eventCategory": "ExternalCommunication", "timestamp": "2025-01-06T15:35:28.440548Z", "sourceIP": "192.168.87.6", "destinationIP": "3.165.102.8", "destinationPort": 443, "method": "GET", "url": "https://www.hsbc.com.hk/zh-hk/", "status": null, "bytes": 0}';
const JS =
  '{"@timestamp":"2026-11-20T08:00:00Z","event":{"action":"waf.block"},"source.ip":"::ffff:203.0.113.9","user":{"name":"x"}}';
const SSHD =
  '<38>Nov 21 10:00:00 deb12 sshd[1234]: Failed password for invalid user admin from 203.0.113.5 port 41240 ssh2';
const R5424 =
  '<86>1 2026-11-21T10:00:00.123456+01:00 deb12 sudo 77 - [meta x="1"]    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id';
const OCSYS = `<12>opencanaryd[2391 ]: opencanary-1 WARNING ${OC}`;
const VSF = 'Sat Nov 21 10:00:00 2026 [pid 1234] [ftpuser] FAIL LOGIN: Client "::ffff:1.2.3.4"';
const UNK = '<13>Nov 21 10:00:00 h cron[5]: (root) CMD (run-parts /etc/cron.hourly)';

const json = createParser('json');
const oc = createParser('opencanary');
const wp = createParser('webproxy');
const sys = createParser('syslog');
const cases: [string, () => unknown][] = [
  ['JSON.parse alone (opencanary line, reference)', () => JSON.parse(OC)],
  ['syslog/parse (3164 sshd, header only)', () => parseSyslog(SSHD, ctx)],
  ['json', () => json.parse(JS, ctx)],
  ['opencanary', () => oc.parse(OC, ctx)],
  ['opencanary (object input, incl. JSON.parse + stringify)', () => oc.parse(JSON.parse(OC), ctx)],
  ['webproxy', () => wp.parse(WP, ctx)],
  ['syslog 3164 → sshd', () => sys.parse(SSHD, ctx)],
  ['syslog 5424 → sudo', () => sys.parse(R5424, ctx)],
  ['syslog → opencanary JSON', () => sys.parse(OCSYS, ctx)],
  ['syslog unknown program', () => sys.parse(UNK, ctx)],
  ['vsftpd plain line', () => parseProgramLine('vsftpd', VSF, ctx)],
];

console.log(`| case | events/s | µs/event |\n|---|---:|---:|`);
for (const [name, mk] of cases) {
  for (let i = 0; i < 2000; i++) mk(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) mk();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(`| ${name} | ${Math.round((N * 1e9) / ns).toLocaleString('en')} | ${(ns / N / 1000).toFixed(2)} |`);
}

// Framing: N LF-terminated messages in 64 KiB chunks.
const stream = Buffer.from(`${SSHD}\n`.repeat(N));
const d = new SyslogFrameDecoder();
const t0 = process.hrtime.bigint();
let count = 0;
for (let off = 0; off < stream.length; off += 65_536) count += d.push(stream.subarray(off, off + 65_536)).length;
const ns = Number(process.hrtime.bigint() - t0);
console.log(
  `| framing LF (64 KiB chunks) | ${Math.round((count * 1e9) / ns).toLocaleString('en')} | ${(ns / count / 1000).toFixed(2)} |`,
);
