/**
 * The firewall LOG rules the portscan canary relies on, OpenCanary's set (same log prefixes, same
 * TCP-header matches) made robust: rate limits are per source address (a scan from one host no
 * longer hides another's), everything lives in Kyoka's own nftables table (or its own iptables
 * chain), so install is idempotent and removal cannot touch anyone else's rules.
 * nmap probe signatures (OpenCanary's u32 matches, here as raw transport-header matches):
 *   OS detection T3: flags FIN|SYN|PSH|URG, options WS 10, NOP, MSS 265, TS, SACK-permitted;
 *   NULL / XMAS / FIN scans: data offset 5, flags 0x00 / 0x29 / 0x01, window 1024.
 */

export interface RateConf {
  /** SYNs logged per second per source (portscan.synrate, 5). */
  synrate: number;
  /** nmap probes logged per second per source (portscan.nmaposrate, 5). */
  nmaposrate: number;
  /** Loopback packets logged per hour (portscan.lorate, 3). */
  lorate: number;
}

export const NFT_TABLE = 'kyoka_portscan';
export const IPT_CHAIN = 'KYOKA_PORTSCAN';

const T3 =
  '@th,160,32 0x03030a01 @th,192,32 0x02040109 @th,224,32 0x080affff @th,256,32 0xffff0000 @th,288,32 0x00000402';
const PROBES: Array<[prefix: string, match: string]> = [
  ['canarynmap: ', `tcp flags == fin|syn|psh|urg ${T3}`],
  ['canarynmapNULL: ', 'meta l4proto tcp @th,96,32 0x50000400'],
  ['canarynmapXMAS: ', 'meta l4proto tcp @th,96,32 0x50290400'],
  ['canarynmapFIN: ', 'meta l4proto tcp @th,96,32 0x50010400'],
];

function rate(n: number, fallback: number): number {
  return Number.isInteger(n) && n > 0 && n <= 100_000 ? n : fallback;
}

export function normaliseRates(r: Partial<Record<keyof RateConf, unknown>>): RateConf {
  return {
    synrate: rate(Number(r.synrate), 5),
    nmaposrate: rate(Number(r.nmaposrate), 5),
    lorate: rate(Number(r.lorate), 3),
  };
}

/** `nft -f -` input that (re)creates the table. */
export function nftRuleset(r: RateConf): string {
  const log = (p: string) => `log prefix "${p}" level warn`;
  const lines = [
    `table inet ${NFT_TABLE} {`,
    '  set syn4 { type ipv4_addr; size 65536; flags dynamic,timeout; timeout 1m; }',
    '  set syn6 { type ipv6_addr; size 65536; flags dynamic,timeout; timeout 1m; }',
    '  set probe4 { type ipv4_addr; size 65536; flags dynamic,timeout; timeout 1m; }',
    '  set probe6 { type ipv6_addr; size 65536; flags dynamic,timeout; timeout 1m; }',
    '  chain prerouting {',
    '    type filter hook prerouting priority -150; policy accept;',
    `    iifname "lo" meta l4proto tcp limit rate ${r.lorate}/hour ${log('canaryfw: ')}`,
  ];
  for (const fam of ['4', '6']) {
    const saddr = fam === '4' ? 'ip saddr' : 'ip6 saddr';
    lines.push(
      `    iifname != "lo" tcp flags & (fin|syn|rst|ack) == syn update @syn${fam} { ${saddr} limit rate ${r.synrate}/second } ${log('canaryfw: ')}`,
    );
    for (const [prefix, match] of PROBES) {
      lines.push(`    ${match} update @probe${fam} { ${saddr} limit rate ${r.nmaposrate}/second } ${log(prefix)}`);
    }
  }
  lines.push('  }', '}', '');
  return lines.join('\n');
}

const U32: Array<[prefix: string, args: string[]]> = [
  [
    'canarynmap: ',
    [
      '--tcp-flags',
      'ALL',
      'URG,PSH,SYN,FIN',
      '-m',
      'u32',
      '--u32',
      '40=0x03030A01 && 44=0x02040109 && 48=0x080Affff && 52=0xffff0000 && 56=0x00000402',
    ],
  ],
  ['canarynmapNULL: ', ['-m', 'u32', '--u32', '6&0xFF=0x6 && 0>>22&0x3C@12=0x50000400']],
  ['canarynmapXMAS: ', ['-m', 'u32', '--u32', '6&0xFF=0x6 && 0>>22&0x3C@12=0x50290400']],
  ['canarynmapFIN: ', ['-m', 'u32', '--u32', '6&0xFF=0x6 && 0>>22&0x3C@12=0x50010400']],
];

/** iptables argument lists (IPv4 only, like OpenCanary) that fill Kyoka's chain in the mangle table. */
export function iptablesRules(r: RateConf): string[][] {
  const log = (p: string) => ['-j', 'LOG', '--log-level', 'warning', '--log-prefix', p];
  const perSource = (name: string, n: number) => [
    '-m',
    'hashlimit',
    '--hashlimit-upto',
    `${n}/sec`,
    '--hashlimit-burst',
    String(n),
    '--hashlimit-mode',
    'srcip',
    '--hashlimit-name',
    name,
  ];
  const add = (...a: string[]) => ['-t', 'mangle', '-A', IPT_CHAIN, ...a];
  return [
    add('-p', 'tcp', '-i', 'lo', '-m', 'limit', '--limit', `${r.lorate}/hour`, ...log('canaryfw: ')),
    add('-p', 'tcp', '!', '-i', 'lo', '--syn', ...perSource('kyoka_syn', r.synrate), ...log('canaryfw: ')),
    ...U32.map(([prefix, m]) => add('-p', 'tcp', ...m, ...perSource('kyoka_probe', r.nmaposrate), ...log(prefix))),
  ];
}

/** iptables commands run before install (errors ignored) and on removal. */
export const IPT_TEARDOWN: string[][] = [
  ['-t', 'mangle', '-D', 'PREROUTING', '-j', IPT_CHAIN],
  ['-t', 'mangle', '-F', IPT_CHAIN],
  ['-t', 'mangle', '-X', IPT_CHAIN],
];
export const IPT_SETUP: string[][] = [
  ['-t', 'mangle', '-N', IPT_CHAIN],
  ['-t', 'mangle', '-I', 'PREROUTING', '-j', IPT_CHAIN],
];
