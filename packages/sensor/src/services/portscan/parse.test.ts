import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKernelLine } from './parse.ts';
import { iptablesRules, nftRuleset, normaliseRates } from './rules.ts';

// Real samples: a kern.log line (rsyslog), a dmesg --notime line and a raw /dev/kmsg record.
const KERNLOG =
  'Nov 17 23:40:02 canary kernel: [ 8312.101622] canaryfw: IN=eth0 OUT= MAC=4e:23:7e:4e:41:4c:5a:ee:58:93:b3:d7:08:00 SRC=10.213.7.2 DST=10.213.7.1 LEN=44 TOS=0x00 PREC=0x00 TTL=45 ID=25745 PROTO=TCP SPT=56201 DPT=80 WINDOW=1024 RES=0x00 SYN URGP=0 ';
const DMESG =
  'canarynmapXMAS: IN=kyps-h1 OUT= MAC=4e:23:7e:4e:41:4c:5a:ee:58:93:b3:d7:08:00 SRC=10.213.7.2 DST=10.213.7.1 LEN=40 TOS=0x00 PREC=0x00 TTL=37 ID=61236 PROTO=TCP SPT=63544 DPT=82 WINDOW=1024 RES=0x00 URG PSH FIN URGP=0 ';
const KMSG =
  '4,1234,8312101622,-;canarynmapNULL: IN=kyps-h1 OUT= MAC=4e:23:7e:4e:41:4c:5a:ee:58:93:b3:d7:08:00 SRC=10.213.7.2 DST=10.213.7.1 LEN=40 TOS=0x00 PREC=0x00 TTL=39 ID=61315 PROTO=TCP SPT=54554 DPT=81 WINDOW=1024 RES=0x00 URGP=0 ';

test('portscan: kern.log SYN line -> 5001 with OpenCanary logdata', () => {
  assert.deepEqual(parseKernelLine(KERNLOG), {
    logtype: 5001,
    conn: { src_host: '10.213.7.2', src_port: '56201', dst_host: '10.213.7.1', dst_port: '80' },
    logdata: {
      IN: 'eth0',
      OUT: '',
      MAC: '4e:23:7e:4e:41:4c:5a:ee:58:93:b3:d7:08:00',
      LEN: '44',
      TOS: '0x00',
      PREC: '0x00',
      TTL: '45',
      ID: '25745',
      PROTO: 'TCP',
      WINDOW: '1024',
      RES: '0x00',
      SYN: '',
      URGP: '0',
    },
  });
});

test('portscan: dmesg and kmsg lines; prefixes map to 5002..5005', () => {
  const x = parseKernelLine(DMESG);
  assert.ok(x && x !== 'malformed');
  assert.equal(x.logtype, 5004);
  assert.deepEqual([x.logdata.URG, x.logdata.PSH, x.logdata.FIN], ['', '', '']);
  const n = parseKernelLine(KMSG);
  assert.ok(n && n !== 'malformed');
  assert.equal(n.logtype, 5003);
  assert.equal(n.conn.dst_port, '81');
  const fin = parseKernelLine(DMESG.replace('canarynmapXMAS: ', 'canarynmapFIN: '));
  const os = parseKernelLine(DMESG.replace('canarynmapXMAS: ', 'canarynmap: '));
  assert.equal(fin && fin !== 'malformed' && fin.logtype, 5005);
  assert.equal(os && os !== 'malformed' && os.logtype, 5002);
  assert.equal(parseKernelLine('kernel: eth0: link up'), null);
  assert.equal(parseKernelLine('canaryfw: IN=eth0 SRC=1.2.3.4'), 'malformed');
  assert.equal(parseKernelLine(`canaryfw: SRC=1 DST=2 SPT=3 DPT=4 ${'A '.repeat(100)}`), 'malformed');
});

test('portscan: rules carry the prefixes, per-source limits and validated rates only', () => {
  const r = normaliseRates({ synrate: 7, nmaposrate: '9', lorate: '3; rm -rf /' });
  assert.deepEqual(r, { synrate: 7, nmaposrate: 9, lorate: 3 });
  const nft = nftRuleset(r);
  for (const p of ['canaryfw: ', 'canarynmap: ', 'canarynmapNULL: ', 'canarynmapXMAS: ', 'canarynmapFIN: ']) {
    assert.ok(nft.includes(`log prefix "${p}" level warn`), p);
  }
  assert.match(nft, /update @syn4 \{ ip saddr limit rate 7\/second \}/);
  assert.match(nft, /update @probe6 \{ ip6 saddr limit rate 9\/second \}/);
  assert.match(nft, /iifname "lo" meta l4proto tcp limit rate 3\/hour/);
  const ipt = iptablesRules(r).map((a) => a.join(' '));
  assert.equal(ipt.length, 6);
  assert.ok(ipt[1]!.includes('--syn -m hashlimit --hashlimit-upto 7/sec --hashlimit-burst 7 --hashlimit-mode srcip'));
  assert.ok(ipt[3]!.includes('0>>22&0x3C@12=0x50000400'));
});
