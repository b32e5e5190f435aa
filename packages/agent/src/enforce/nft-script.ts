/**
 * nftables script generation. Everything lives in one `table inet <name>` so removal is one
 * `delete table`. Host addresses go to hash sets (fast: nft does not load them into its cache),
 * networks to interval sets (merged beforehand: nft refuses overlaps). Every element carries a
 * timeout so expiry happens in the kernel even when the server is unreachable. Only canonical
 * addresses from addresses.ts reach these strings.
 */
import type { Net, Sandbox } from './addresses.ts';
import { CT_MARK, type PortPlan, type PortSpec, SET_NAMES, type SetName, unmasqueraded } from './plan.ts';
import type { SetDiff } from './state.ts';

const MARK = `0x${CT_MARK.toString(16)}`;

function ipf(family: 4 | 6): 'ip' | 'ip6' {
  return family === 4 ? 'ip' : 'ip6';
}

function portMatch(protocol: string, ports: PortSpec): string {
  const l4 = `meta l4proto ${protocol}`;
  if (ports.kind === 'one') return `${l4} th dport ${ports.port}`;
  if (ports.kind === 'range') return `${l4} th dport ${ports.from}-${ports.to}`;
  return ports.except.length ? `${l4} th dport != { ${ports.except.join(', ')} }` : l4;
}

function target(s: Sandbox): string {
  const host = s.family === 6 && s.port !== undefined ? `[${s.addr}]` : s.addr;
  return s.port === undefined ? host : `${host}:${s.port}`;
}

function setFamily(name: SetName): 4 | 6 {
  return name.includes('6') ? 6 : 4;
}

/** The rule lines of each chain (without the chain header), in evaluation order. */
export function nftRules(plan: PortPlan[]): {
  filter_pre: string[];
  nat_pre: string[];
  nat_post: string[];
  filter_fwd: string[];
} {
  const allow = ['ip saddr @allow4 accept', 'ip6 saddr @allow6 accept'];
  const filterPre = [...allow];
  const natPre = [...allow];
  const local = 'fib daddr type local';
  const mark = `ct mark set ct mark | ${MARK}`;
  for (const p of plan) {
    const pm = `${local} ${portMatch(p.protocol, p.ports)}`;
    for (const name of SET_NAMES) {
      const type = name.replace(/[46]n?$/, '');
      const src = `${ipf(setFamily(name))} saddr @${name}`;
      if ((p.drop as string[]).includes(type)) filterPre.push(`${pm} ${src} drop`);
      const r = p.redirect;
      if (r && r.who !== 'everyone' && (r.who as string[]).includes(type) && setFamily(name) === r.to.family)
        natPre.push(`${pm} ${src} ${mark} dnat ${ipf(r.to.family)} to ${target(r.to)}`);
      if (p.reflect && (p.reflect as string[]).includes(type)) {
        const f = ipf(setFamily(name));
        natPre.push(`${pm} ${src} ${mark} dnat ${f} to ${f} saddr`);
      }
    }
    if (p.redirect?.who === 'everyone') {
      const f = ipf(p.redirect.to.family);
      natPre.push(`${pm} meta nfproto ${f === 'ip' ? 'ipv4' : 'ipv6'} ${mark} dnat ${f} to ${target(p.redirect.to)}`);
    }
  }
  const dnatted = `ct status dnat ct mark & ${MARK} == ${MARK}`;
  return {
    filter_pre: filterPre,
    nat_pre: natPre,
    // flows to a sandbox configured without masquerade keep the attacker's address (accepted
    // here, before the masquerade rule); everything else DNATed, reflected flows included, is masqueraded
    nat_post: [
      ...unmasqueraded(plan, 4).map((a) => `${dnatted} ip daddr ${a} accept`),
      ...unmasqueraded(plan, 6).map((a) => `${dnatted} ip6 daddr ${a} accept`),
      `${dnatted} masquerade`,
    ],
    filter_fwd: [`${dnatted} accept`],
  };
}

export function nftRuleCount(plan: PortPlan[]): number {
  return Object.values(nftRules(plan)).reduce((n, r) => n + r.length, 0);
}

function elements(nets: Net[]): string {
  return nets.length ? ` elements = { ${nets.map((n) => n.key).join(', ')} }` : '';
}

/**
 * The whole table, atomically replacing a stale one from a crashed run: `add table` makes the
 * following `delete table` valid whether or not it existed.
 */
export function nftInitScript(table: string, plan: PortPlan[], allow4: Net[], allow6: Net[]): string {
  const rules = nftRules(plan);
  const sets = SET_NAMES.map((name) => {
    const type = setFamily(name) === 4 ? 'ipv4_addr' : 'ipv6_addr';
    const flags = name.endsWith('n') ? 'interval, timeout' : 'timeout';
    return `  set ${name} { type ${type}; flags ${flags}; }`;
  });
  const chain = (name: string, hook: string, body: string[]) =>
    [`  chain ${name} {`, `    ${hook}`, ...body.map((r) => `    ${r}`), '  }'].join('\n');
  return [
    `add table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    `  set allow4 { type ipv4_addr; flags interval;${elements(allow4)} }`,
    `  set allow6 { type ipv6_addr; flags interval;${elements(allow6)} }`,
    ...sets,
    chain('filter_pre', 'type filter hook prerouting priority -160; policy accept;', rules.filter_pre),
    chain('nat_pre', 'type nat hook prerouting priority dstnat; policy accept;', rules.nat_pre),
    chain('nat_post', 'type nat hook postrouting priority srcnat; policy accept;', rules.nat_post),
    chain('filter_fwd', 'type filter hook forward priority -10; policy accept;', rules.filter_fwd),
    '}',
    '',
  ].join('\n');
}

function timeout(expiresAt: number, now: number): string {
  return `${Math.max(1000, Math.ceil(expiresAt - now))}ms`;
}

/**
 * One transaction for a set update. A reset flushes every set and refills it. Otherwise, in a
 * host set, removed keys are first re-added (a no-op when present, so deleting an element the
 * kernel already expired cannot fail the transaction) and then deleted, and new keys are added —
 * one `add element` per set. A changed network set is flushed and refilled with its complete
 * merged contents (`contents`): nft checks a new interval against the elements present before the
 * transaction, so replacing a /24 by its /16 in place would be refused as an overlap.
 */
export function nftUpdateScript(
  table: string,
  diffs: SetDiff[],
  now: number,
  reset: boolean,
  contents?: (set: SetName) => Map<string, number>,
): string {
  const out: string[] = [];
  const addAll = (at: string, items: Iterable<[string, number]>) => {
    const parts: string[] = [];
    for (const [k, e] of items) if (e > now) parts.push(`${k} timeout ${timeout(e, now)}`);
    if (parts.length) out.push(`add element ${at} { ${parts.join(', ')} }`);
  };
  if (reset) for (const name of SET_NAMES) out.push(`flush set inet ${table} ${name}`);
  for (const d of diffs) {
    const at = `inet ${table} ${d.set}`;
    if (!reset && d.set.endsWith('n') && contents) {
      out.push(`flush set ${at}`);
      addAll(at, contents(d.set));
      continue;
    }
    if (!reset && d.del.length) {
      out.push(`add element ${at} { ${d.del.map((k) => `${k} timeout 1000ms`).join(', ')} }`);
      out.push(`delete element ${at} { ${d.del.join(', ')} }`);
    }
    addAll(at, d.add);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

export function nftRemoveScript(table: string): string {
  return `add table inet ${table}\ndelete table inet ${table}\n`;
}
