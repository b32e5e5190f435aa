/**
 * End to end: a network namespace with a veth pair; nmap -sS/-sN/-sX/-sF/-O runs inside it
 * against the host side, the service installs its nftables rules and reads the LOG lines from
 * the kernel ring buffer (dmesg --follow-new on /dev/kmsg). Needs root, nft, nmap and ip.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import type { CapturedRecord } from '../../testing/harness.ts';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';

function kmsgReadable(): boolean {
  try {
    accessSync('/dev/kmsg', constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const root = process.getuid?.() === 0;
const why = !root
  ? 'needs root (netns, nftables)'
  : !['nft', 'nmap', 'ip', 'dmesg'].every(have)
    ? 'nft, nmap, ip or dmesg missing'
    : !kmsgReadable()
      ? 'kernel log (/dev/kmsg) not readable'
      : false;

const NS = `kyps${process.pid % 100000}`;
const HOST = `kyh${process.pid % 100000}`;
const PEER = `kyn${process.pid % 100000}`;
const octet = 1 + (process.pid % 250);
const HOST_IP = `10.213.${octet}.1`;
const PEER_IP = `10.213.${octet}.2`;

function sh(args: string[]) {
  execFileSync(args[0]!, args.slice(1), { stdio: 'ignore' });
}
function nmap(args: string[]) {
  spawnSync('ip', ['netns', 'exec', NS, 'nmap', '-n', '-Pn', ...args, HOST_IP], { stdio: 'ignore', timeout: 20_000 });
}

test('portscan: nmap SYN/NULL/XMAS/FIN/OS probes from a namespace become 5001..5005', { skip: why }, async () => {
  sh(['ip', 'netns', 'add', NS]);
  const server = createServer((s) => s.destroy());
  try {
    sh(['ip', 'link', 'add', HOST, 'type', 'veth', 'peer', 'name', PEER]);
    sh(['ip', 'link', 'set', PEER, 'netns', NS]);
    sh(['ip', 'addr', 'add', `${HOST_IP}/30`, 'dev', HOST]);
    sh(['ip', 'link', 'set', HOST, 'up']);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', `${PEER_IP}/30`, 'dev', PEER]);
    sh(['ip', 'netns', 'exec', NS, 'ip', 'link', 'set', PEER, 'up']);
    await new Promise<void>((r) => server.listen(0, HOST_IP, () => r()));
    const open = (server.address() as { port: number }).port;
    const { h, stop } = await startService(factory, { 'portscan.log_source': 'kmsg', 'portscan.firewall': 'nft' });
    try {
      assert.match(execFileSync('nft', ['list', 'table', 'inet', 'kyoka_portscan']).toString(), /canarynmapFIN/);
      const fromPeer = (t: number, port?: number) => (r: CapturedRecord) =>
        r.logtype === t && r.conn?.src_host === PEER_IP && (port === undefined || r.conn.dst_port === String(port));
      // dmesg starts reading asynchronously: repeat the first scan until its line arrives.
      let syn: CapturedRecord | null = null;
      for (let i = 0; i < 10 && !syn; i++) {
        nmap(['-sS', '-p', '22']);
        syn = await h.waitFor(fromPeer(5001, 22), 500).catch(() => null);
      }
      assert.ok(syn, 'SYN scan logged');
      assert.equal(syn.logdata.SYN, '');
      assert.equal(syn.logdata.IN, HOST);
      assert.equal(syn.conn?.dst_host, HOST_IP);
      nmap(['-sN', '-p', '81']);
      nmap(['-sX', '-p', '82']);
      nmap(['-sF', '-p', '83']);
      assert.equal((await h.waitFor(fromPeer(5003, 81))).logdata.WINDOW, '1024');
      const xmas = await h.waitFor(fromPeer(5004, 82));
      assert.deepEqual([xmas.logdata.URG, xmas.logdata.PSH, xmas.logdata.FIN], ['', '', '']);
      assert.equal((await h.waitFor(fromPeer(5005, 83))).logdata.FIN, '');
      nmap(['-O', '--max-os-tries', '1', '-p', `${open},23`]);
      const os = await h.waitFor(fromPeer(5002, open), 10_000);
      assert.deepEqual([os.logdata.URG, os.logdata.PSH, os.logdata.SYN, os.logdata.FIN], ['', '', '', '']);
    } finally {
      await stop();
    }
    assert.notEqual(
      spawnSync('nft', ['list', 'table', 'inet', 'kyoka_portscan'], { stdio: 'ignore' }).status,
      0,
      'rules removed on stop',
    );
  } finally {
    server.close();
    spawnSync('ip', ['link', 'del', HOST], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  }
});
