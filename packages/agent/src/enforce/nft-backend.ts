/**
 * nftables backend: installation, every set update and removal are each one atomic transaction,
 * so a failed apply leaves the previous state intact. Small updates (the latency path: a few
 * addresses per batch) go to a long-lived `nft -i` session (nft-session.ts) when the runner can
 * open one; large ones (resets, bulk, install, removal) to `nft -f -` on stdin, because the
 * session reads its input one byte per syscall.
 */
import { check, type Driver, type DriverContext } from './driver.ts';
import { nftInitScript, nftRemoveScript, nftRuleCount, nftUpdateScript } from './nft-script.ts';
import { createNftSession, type NftSession } from './nft-session.ts';

/**
 * Scripts up to this size use the session. Measured on nft 1.0.6 (per transaction): 1 element
 * 0.7 ms in the session vs ~7 ms for a spawned `nft -f`; 50 elements (~1.5 KB) about even;
 * 1,000 elements 82 ms vs 13 ms.
 */
export const SESSION_MAX_BYTES = 2048;
/** After this many session failures in a row the driver stops using it (spawns only). */
const SESSION_MAX_FAILURES = 3;

/** True when `nft` runs and can list the ruleset here. */
export async function nftAvailable(ctx: Pick<DriverContext, 'run'>): Promise<boolean> {
  try {
    return (await ctx.run('nft', ['list', 'tables'])).code === 0;
  } catch {
    return false;
  }
}

export function createNftDriver(ctx: DriverContext): Driver {
  const open = ctx.run.open;
  let session: NftSession | null = open ? createNftSession({ open, log: ctx.log }) : null;
  let failures = 0;
  /** The session's answer, or null when it broke (the caller then spawns `nft -f -`). */
  const viaSession = async (s: NftSession, script: string) => {
    const r = await s.run(script);
    if (!r.broken) {
      failures = 0;
      return r;
    }
    ctx.log('nft session failed; this update goes through nft -f', { error: r.stderr });
    if (++failures >= SESSION_MAX_FAILURES) {
      ctx.log('nft session disabled after repeated failures');
      session = null;
      await s.close();
    }
    return null;
  };
  const nft = async (script: string, what: string) => {
    if (!script) return;
    check(await ctx.run('nft', ['-f', '-'], { input: script }), what);
  };
  return {
    name: 'nftables',
    rules: nftRuleCount(ctx.plan),
    async install() {
      await nft(nftInitScript(ctx.table, ctx.plan, ctx.allow4, ctx.allow6), 'nft install');
      session?.warm();
    },
    async write(diffs, reset, contents, now) {
      const script = nftUpdateScript(ctx.table, diffs, now, reset, contents);
      // Re-running after a broken session is safe: update scripts are idempotent (nft-script.ts).
      const r = session && script && script.length <= SESSION_MAX_BYTES ? await viaSession(session, script) : null;
      if (r) check(r, 'nft set update');
      else await nft(script, 'nft set update');
    },
    async remove() {
      await session?.close();
      await nft(nftRemoveScript(ctx.table), 'nft remove');
    },
  };
}
