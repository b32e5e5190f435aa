/**
 * iptables + ipset backend (fallback). Rules are installed once with `iptables-restore --noflush`
 * (atomic per table) for IPv4 and, when ip6tables works, IPv6; decisions only change ipsets, in
 * bulk through `ipset restore` (a reset swaps in freshly filled sets). Removal deletes our jumps
 * (found in iptables-save output), flushes and deletes our chains, then destroys our sets.
 */
import { check, type Driver, type DriverContext } from './driver.ts';
import {
  ipsetCreateScript,
  ipsetUpdateScript,
  iptNames,
  iptReflectScript,
  iptRemoveScript,
  iptRulesScript,
} from './iptables-script.ts';
import { SET_NAMES } from './plan.ts';

const FAMILIES = [
  { family: 4 as const, save: 'iptables-save', restore: 'iptables-restore' },
  { family: 6 as const, save: 'ip6tables-save', restore: 'ip6tables-restore' },
];

export async function iptablesAvailable(ctx: Pick<DriverContext, 'run'>): Promise<boolean> {
  try {
    const [ipt, ips] = await Promise.all([ctx.run('iptables-save', []), ctx.run('ipset', ['list', '-n'])]);
    return ipt.code === 0 && ips.code === 0;
  } catch {
    return false;
  }
}

export function createIptablesDriver(ctx: DriverContext): Driver {
  const names = iptNames(ctx.table);
  const reflects = ctx.plan.some((p) => p.reflect);
  let families = FAMILIES;
  let rules = 0;
  const restore = async (cmd: string, script: string, what: string) => {
    if (script) check(await ctx.run(cmd, ['-w', '--noflush'], { input: script }), what);
  };
  const ownSets = async (): Promise<string[]> => {
    const r = await ctx.run('ipset', ['list', '-n']);
    const ours = new Set<string>(
      ['allow4', 'allow6', ...SET_NAMES].flatMap((n) => [names.set(n as 'allow4'), `${names.set(n as 'allow4')}-t`]),
    );
    return r.stdout.split('\n').filter((n) => ours.has(n.trim()));
  };
  const removeAll = async () => {
    for (const f of families) {
      const saved = await ctx.run(f.save, []);
      if (saved.code !== 0) continue;
      await restore(f.restore, iptRemoveScript(names, saved.stdout), `${f.restore} (remove)`);
    }
    for (const s of await ownSets()) check(await ctx.run('ipset', ['destroy', s]), `ipset destroy ${s}`);
  };
  return {
    name: 'iptables',
    get rules() {
      return rules;
    },
    async install() {
      const v6 = await ctx.run('ip6tables-save', []).catch(() => ({ code: 127, stdout: '', stderr: '' }));
      if (v6.code !== 0) {
        ctx.log('ip6tables unavailable: IPv6 decisions are not enforced');
        families = FAMILIES.filter((f) => f.family === 4);
      }
      await removeAll();
      check(
        await ctx.run('ipset', ['restore'], { input: ipsetCreateScript(names, ctx.allow4, ctx.allow6) }),
        'ipset create',
      );
      rules = 0;
      for (const f of families) {
        const { script, rules: n } = iptRulesScript(names, ctx.plan, f.family);
        await restore(f.restore, script, `${f.restore} (install)`);
        rules += n;
      }
    },
    async write(diffs, reset, contents, now) {
      const script = ipsetUpdateScript(names, diffs, now, reset);
      if (script) {
        const r = await ctx.run('ipset', ['restore'], { input: script });
        if (r.code !== 0 && reset) {
          // Temporary sets of a failed reset must not linger; the live sets were not swapped.
          for (const s of (await ownSets()).filter((n) => n.endsWith('-t'))) await ctx.run('ipset', ['destroy', s]);
        }
        check(r, 'ipset restore');
      }
      if (!reflects) return;
      for (const f of families) {
        const hostSets = [`reflect${f.family}`, `deceive${f.family}`] as const;
        if (!reset && !diffs.some((d) => (hostSets as readonly string[]).includes(d.set))) continue;
        const hosts = new Set([...contents(hostSets[0]).keys(), ...contents(hostSets[1]).keys()]);
        await restore(f.restore, iptReflectScript(names, [...hosts]), `${f.restore} (reflect)`);
      }
    },
    async remove() {
      await removeAll();
      rules = 0;
    },
  };
}
