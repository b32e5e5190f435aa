/** Unit tests: nftables script generation for the four modes and for set updates. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Net, parseNet } from './addresses.ts';
import { nftInitScript, nftRules, nftUpdateScript } from './nft-script.ts';
import { buildPlan } from './plan.ts';
import { validateEnforceConfig } from './schema.ts';

const cfg = validateEnforceConfig({
  protect: [
    { port: 21, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.9:2121' },
    { port: [6000, 6010], protocol: 'tcp', mode: 'reflect' },
    { port: 873, protocol: 'tcp', mode: 'firewall' },
    { port: 'all', protocol: 'udp', mode: 'honeypot', sandbox: '[2001:db8::9]:53', except_ports: [123, 53] },
  ],
  management: ['192.0.2.1'],
});

test('rules: allow first in every prerouting chain, then per-mode rules', () => {
  const r = nftRules(buildPlan(cfg));
  for (const chain of [r.filter_pre, r.nat_pre])
    assert.deepEqual(chain.slice(0, 2), ['ip saddr @allow4 accept', 'ip6 saddr @allow6 accept']);
  assert.ok(r.filter_pre.includes('fib daddr type local meta l4proto tcp th dport 21 ip saddr @ban4 drop'));
  assert.ok(
    r.filter_pre.includes('fib daddr type local meta l4proto tcp th dport 873 ip6 saddr @deceive6n drop'),
    'firewall drops every decision type',
  );
  assert.ok(
    !r.filter_pre.some((l) => l.includes('dport 21 ') && l.includes('@deceive')),
    'deception ports do not drop deceive',
  );
  assert.ok(
    r.nat_pre.some((l) =>
      l.endsWith('th dport 21 ip saddr @deceive4 ct mark set ct mark | 0x40000000 dnat ip to 10.0.0.9:2121'),
    ),
  );
  assert.ok(!r.nat_pre.some((l) => l.includes('dport 21 ip6')), 'no IPv6 DNAT to an IPv4 sandbox');
  assert.ok(
    r.nat_pre.some((l) => l.includes('th dport 6000-6010 ip6 saddr @reflect6 ') && l.endsWith('dnat ip6 to ip6 saddr')),
  );
  assert.ok(
    r.nat_pre.some((l) => l.includes('th dport 6000-6010 ip saddr @deceive4 ') && l.endsWith('dnat ip to ip saddr')),
  );
  assert.ok(
    r.nat_pre.some(
      (l) =>
        l.includes('meta l4proto udp th dport != { 53, 123 } meta nfproto ipv6') &&
        l.endsWith('dnat ip6 to [2001:db8::9]:53'),
    ),
  );
  assert.deepEqual(r.nat_post, ['ct status dnat ct mark & 0x40000000 == 0x40000000 masquerade']);
});

test('init script replaces a stale table atomically and declares the sets', () => {
  const s = nftInitScript('kyoka', buildPlan(cfg), [parseNet('192.0.2.1') as Net], []);
  assert.match(s, /^add table inet kyoka\ndelete table inet kyoka\ntable inet kyoka \{/);
  assert.match(s, /set allow4 \{ type ipv4_addr; flags interval; elements = \{ 192\.0\.2\.1 \} \}/);
  assert.match(s, /set ban4 \{ type ipv4_addr; flags timeout; \}/);
  assert.match(s, /set reflect6n \{ type ipv6_addr; flags interval, timeout; \}/);
  assert.match(s, /type nat hook prerouting priority dstnat; policy accept;/);
});

test('update script: one add element per set, delete re-adds first, reset flushes', () => {
  const now = 1000;
  const diffs = [
    {
      set: 'ban4' as const,
      del: ['1.1.1.1'],
      add: [['2.2.2.2', 61_000] as [string, number], ['3.3.3.3', 1500] as [string, number]],
    },
  ];
  assert.equal(
    nftUpdateScript('kyoka', diffs, now, false),
    'add element inet kyoka ban4 { 1.1.1.1 timeout 1000ms }\n' +
      'delete element inet kyoka ban4 { 1.1.1.1 }\n' +
      'add element inet kyoka ban4 { 2.2.2.2 timeout 60000ms, 3.3.3.3 timeout 1000ms }\n',
  );
  const reset = nftUpdateScript('kyoka', [{ set: 'deceive6n', del: [], add: [['2001:db8::/48', 11_000]] }], now, true);
  assert.equal(reset.split('\n').filter((l) => l.startsWith('flush set inet kyoka ')).length, 12);
  assert.match(reset, /add element inet kyoka deceive6n \{ 2001:db8::\/48 timeout 10000ms \}\n$/);
  assert.equal(nftUpdateScript('kyoka', [], now, false), '');
  // A changed network set is flushed and refilled whole (nft refuses an overlap with the old contents).
  const nets = new Map([
    ['10.0.0.0/16', 31_000],
    ['10.9.0.0/16', 500],
  ]);
  assert.equal(
    nftUpdateScript(
      'kyoka',
      [{ set: 'ban4n', del: ['10.0.1.0/24'], add: [['10.0.0.0/16', 31_000]] }],
      now,
      false,
      () => nets,
    ),
    'flush set inet kyoka ban4n\nadd element inet kyoka ban4n { 10.0.0.0/16 timeout 30000ms }\n',
  );
});

test('masquerade: false keeps the attacker address for that sandbox; reflected flows are still masqueraded', () => {
  const c = validateEnforceConfig({
    protect: [
      { port: 21, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.9:21', masquerade: false },
      { port: 22, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.9:22', masquerade: false },
      { port: 80, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.10:80' },
      { port: 3306, protocol: 'tcp', mode: 'reflect' },
    ],
  });
  const mark = 'ct status dnat ct mark & 0x40000000 == 0x40000000';
  assert.deepEqual(nftRules(buildPlan(c)).nat_post, [`${mark} ip daddr 10.0.0.9 accept`, `${mark} masquerade`]);
});
