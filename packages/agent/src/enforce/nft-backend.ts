/**
 * nftables backend: `nft -f -` transactions fed on stdin. Installation, every set update and
 * removal are each one atomic transaction, so a failed apply leaves the previous state intact.
 */
import { check, type Driver, type DriverContext } from './driver.ts';
import { nftInitScript, nftRemoveScript, nftRuleCount, nftUpdateScript } from './nft-script.ts';

/** True when `nft` runs and can list the ruleset here. */
export async function nftAvailable(ctx: Pick<DriverContext, 'run'>): Promise<boolean> {
  try {
    return (await ctx.run('nft', ['list', 'tables'])).code === 0;
  } catch {
    return false;
  }
}

export function createNftDriver(ctx: DriverContext): Driver {
  const nft = async (script: string, what: string) => {
    if (!script) return;
    check(await ctx.run('nft', ['-f', '-'], { input: script }), what);
  };
  return {
    name: 'nftables',
    rules: nftRuleCount(ctx.plan),
    async install() {
      await nft(nftInitScript(ctx.table, ctx.plan, ctx.allow4, ctx.allow6), 'nft install');
    },
    async write(diffs, reset, contents, now) {
      await nft(nftUpdateScript(ctx.table, diffs, now, reset, contents), 'nft set update');
    },
    async remove() {
      await nft(nftRemoveScript(ctx.table), 'nft remove');
    },
  };
}
