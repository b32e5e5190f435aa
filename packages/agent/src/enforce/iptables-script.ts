/**
 * iptables + ipset script generation (fallback for hosts without a working nft). Chains
 * <TABLE>-PRE (mangle: drops; nat: DNAT), <TABLE>-POST (nat: masquerade), <TABLE>-FWD (filter:
 * accept DNATed flows) and <TABLE>-RFL (nat: reflect) are hooked from the built-in chains with one
 * jump each; ipsets <table>-ban4 … carry per-element timeouts. iptables cannot DNAT to "the
 * packet's own source", so reflection uses one rule per host address in <TABLE>-RFL (capped);
 * reflected networks are dropped instead.
 */
import type { Net } from './addresses.ts';
import { CT_MARK, type PortPlan, type PortSpec, SET_NAMES, type SetName, unmasqueraded } from './plan.ts';
import type { SetDiff } from './state.ts';

export const MAX_REFLECT_RULES = 4096;
const MARK = `0x${CT_MARK.toString(16)}`;
const IPSET_MAX_TIMEOUT = 2_147_483;

export interface IptNames {
  set: (name: SetName | 'allow4' | 'allow6') => string;
  chain: (suffix: 'PRE' | 'POST' | 'FWD' | 'RFL') => string;
  prefix: string;
}

export function iptNames(table: string): IptNames {
  const upper = table.toUpperCase().replace(/_/g, '-');
  return { set: (n) => `${table}-${n}`, chain: (s) => `${upper}-${s}`, prefix: `${upper}-` };
}

function portArgs(protocol: string, ports: PortSpec): string {
  if (ports.kind === 'one') return `-p ${protocol} --dport ${ports.port}`;
  if (ports.kind === 'range') return `-p ${protocol} --dport ${ports.from}:${ports.to}`;
  return ports.except.length ? `-p ${protocol} -m multiport ! --dports ${ports.except.join(',')}` : `-p ${protocol}`;
}

const fam = (n: SetName): 4 | 6 => (n.includes('6') ? 6 : 4);
const typeOf = (n: SetName) => n.replace(/[46]n?$/, '');

/** iptables-restore (--noflush) input for one family: chains, jumps and rules. */
export function iptRulesScript(names: IptNames, plan: PortPlan[], family: 4 | 6): { script: string; rules: number } {
  const pre = names.chain('PRE');
  const post = names.chain('POST');
  const fwd = names.chain('FWD');
  const rfl = names.chain('RFL');
  const allow = `-m set --match-set ${names.set(family === 4 ? 'allow4' : 'allow6')} src -j RETURN`;
  const mangle = [`-A ${pre} ${allow}`];
  const nat = [`-A ${pre} ${allow}`];
  const local = '-m addrtype --dst-type LOCAL';
  for (const p of plan) {
    const pm = `${local} ${portArgs(p.protocol, p.ports)}`;
    for (const name of SET_NAMES.filter((n) => fam(n) === family)) {
      const type = typeOf(name);
      const src = `-m set --match-set ${names.set(name)} src`;
      const reflected = p.reflect && (p.reflect as string[]).includes(type);
      if ((p.drop as string[]).includes(type) || (reflected && name.endsWith('n')))
        mangle.push(`-A ${pre} ${pm} ${src} -j DROP`);
      const r = p.redirect;
      if (r && r.who !== 'everyone' && (r.who as string[]).includes(type) && r.to.family === family) {
        nat.push(`-A ${pre} ${pm} ${src} -j CONNMARK --or-mark ${MARK}`);
        nat.push(`-A ${pre} ${pm} ${src} -j DNAT --to-destination ${dnatTarget(r.to.addr, r.to.port, family)}`);
      }
      if (reflected && !name.endsWith('n')) {
        nat.push(`-A ${pre} ${pm} ${src} -j CONNMARK --or-mark ${MARK}`);
        nat.push(`-A ${pre} ${pm} ${src} -j ${rfl}`);
      }
    }
    if (p.redirect?.who === 'everyone' && p.redirect.to.family === family) {
      nat.push(`-A ${pre} ${pm} -j CONNMARK --or-mark ${MARK}`);
      nat.push(
        `-A ${pre} ${pm} -j DNAT --to-destination ${dnatTarget(p.redirect.to.addr, p.redirect.to.port, family)}`,
      );
    }
  }
  const dnatted = `-m conntrack --ctstate DNAT -m connmark --mark ${MARK}/${MARK}`;
  const script = [
    '*mangle',
    `:${pre} - [0:0]`,
    `-I PREROUTING 1 -j ${pre}`,
    ...mangle,
    'COMMIT',
    '*nat',
    `:${pre} - [0:0]`,
    `:${post} - [0:0]`,
    `:${rfl} - [0:0]`,
    `-I PREROUTING 1 -j ${pre}`,
    `-I POSTROUTING 1 -j ${post}`,
    ...nat,
    ...unmasqueraded(plan, family).map((a) => `-A ${post} ${dnatted} -d ${a} -j RETURN`),
    `-A ${post} ${dnatted} -j MASQUERADE`,
    'COMMIT',
    '*filter',
    `:${fwd} - [0:0]`,
    `-I FORWARD 1 -j ${fwd}`,
    `-A ${fwd} ${dnatted} -j ACCEPT`,
    'COMMIT',
    '',
  ].join('\n');
  return { script, rules: mangle.length + nat.length + unmasqueraded(plan, family).length + 5 };
}

function dnatTarget(addr: string, port: number | undefined, family: 4 | 6): string {
  if (port === undefined) return addr;
  return family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** Rewrites the reflect chain: one DNAT-to-itself rule per reflected host address. */
export function iptReflectScript(names: IptNames, hosts: string[]): string {
  const rfl = names.chain('RFL');
  const lines = hosts.slice(0, MAX_REFLECT_RULES).map((h) => `-A ${rfl} -s ${h} -j DNAT --to-destination ${h}`);
  return ['*nat', `:${rfl} - [0:0]`, ...lines, 'COMMIT', ''].join('\n');
}

/**
 * iptables-restore (--noflush) input that removes our jumps and chains, given `iptables-save`
 * output. Works on leftovers of a crashed run too.
 */
export function iptRemoveScript(names: IptNames, saved: string): string {
  const out: string[] = [];
  let table = '';
  let dels: string[] = [];
  let chains: string[] = [];
  const flush = () => {
    if (table && (dels.length || chains.length))
      out.push(`*${table}`, ...dels, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
  };
  for (const line of saved.split('\n')) {
    if (line.startsWith('*')) {
      flush();
      table = line.slice(1).trim();
      dels = [];
      chains = [];
    } else if (line.startsWith(`:${names.prefix}`)) chains.push(line.slice(1).split(' ')[0] as string);
    else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1] as string;
      if (!chain.startsWith(names.prefix) && line.includes(` -j ${names.prefix}`)) dels.push(`-D ${line.slice(3)}`);
    }
  }
  flush();
  return out.length ? `${out.join('\n')}\n` : '';
}

function ipsetFamily(name: string): string {
  return /6n?$/.test(name) ? 'inet6' : 'inet';
}

/** ipset restore input creating (or emptying) every set we use, allow sets filled. */
export function ipsetCreateScript(names: IptNames, allow4: Net[], allow6: Net[]): string {
  const out: string[] = [];
  for (const [n, list] of [
    ['allow4', allow4],
    ['allow6', allow6],
  ] as const) {
    const s = names.set(n);
    out.push(`create ${s} hash:net family ${ipsetFamily(n)} -exist`, `flush ${s}`);
    for (const net of list) out.push(`add ${s} ${net.key} -exist`);
  }
  for (const n of SET_NAMES) {
    out.push(`create ${names.set(n)} hash:net family ${ipsetFamily(n)} timeout 0 maxelem 4194304 -exist`);
    out.push(`flush ${names.set(n)}`);
  }
  return `${out.join('\n')}\n`;
}

function secs(expiresAt: number, now: number): number {
  return Math.min(IPSET_MAX_TIMEOUT, Math.max(1, Math.ceil((expiresAt - now) / 1000)));
}

/**
 * ipset restore input for one update. A reset fills temporary sets and swaps them in, so the
 * live sets change at once; an incremental update deletes then adds (-exist: idempotent).
 */
export function ipsetUpdateScript(names: IptNames, diffs: SetDiff[], now: number, reset: boolean): string {
  const out: string[] = [];
  if (reset) {
    const bySet = new Map(diffs.map((d) => [d.set, d]));
    for (const n of SET_NAMES) {
      const live = names.set(n);
      const tmp = `${live}-t`;
      out.push(`create ${tmp} hash:net family ${ipsetFamily(n)} timeout 0 maxelem 4194304 -exist`, `flush ${tmp}`);
      for (const [k, e] of bySet.get(n)?.add ?? []) out.push(`add ${tmp} ${k} timeout ${secs(e, now)} -exist`);
      out.push(`swap ${tmp} ${live}`, `destroy ${tmp}`);
    }
  } else {
    for (const d of diffs) {
      const s = names.set(d.set);
      for (const k of d.del) out.push(`del ${s} ${k} -exist`);
      for (const [k, e] of d.add) out.push(`add ${s} ${k} timeout ${secs(e, now)} -exist`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
