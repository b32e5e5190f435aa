/**
 * The enforcer core shared by both backends: validates the config, picks the backend, installs
 * it, then turns DecisionBatches into set diffs applied one at a time (a queue). State advances
 * only after the kernel accepted the transaction. Also owns IP forwarding (set only when a
 * sandbox is on another host or a port reflects, restored on close), the conntrack cutter and a
 * local re-sync timer for decisions that outlive a CIDR that shadowed them.
 */
import { KyokaError } from '@kyoka/core';
import type { DecisionBatch } from '@kyoka/link';
import { mergeStatic, type Net, parseNet } from './addresses.ts';
import { createCutter } from './conntrack.ts';
import type { Driver, DriverContext } from './driver.ts';
import { createIptablesDriver, iptablesAvailable } from './iptables-backend.ts';
import { createNftDriver, nftAvailable } from './nft-backend.ts';
import { buildPlan, sandboxes } from './plan.ts';
import { createSpawnRunner } from './runner.ts';
import { validateEnforceConfig } from './schema.ts';
import { DecisionTable } from './state.ts';
import type { ApplyResult, CommandRunner, EnforceConfig, Enforcer, EnforcerOptions, EnforcerStats } from './types.ts';

async function localAddresses(run: CommandRunner): Promise<Set<string>> {
  const r = await run('ip', ['-j', 'addr', 'show']);
  const out = new Set<string>();
  if (r.code !== 0) return out;
  try {
    for (const link of JSON.parse(r.stdout) as Array<{ addr_info?: Array<{ local?: string }> }>)
      for (const a of link.addr_info ?? []) {
        const n = parseNet(a.local);
        if (n) out.add(n.key);
      }
  } catch {
    /* unparsable: treat every sandbox as remote */
  }
  return out;
}

/** Enables net.ipv4.ip_forward only when needed; returns how to undo it. */
async function setupForwarding(ctx: DriverContext): Promise<() => Promise<void>> {
  const local = await localAddresses(ctx.run);
  const remote4 = sandboxes(ctx.plan).some((s) => s.family === 4 && !local.has(s.addr));
  const remote6 = sandboxes(ctx.plan).some((s) => s.family === 6 && !local.has(s.addr));
  const keys = [
    ...(remote4 || ctx.plan.some((p) => p.reflect) ? ['net.ipv4.ip_forward'] : []),
    ...(remote6 ? ['net.ipv6.conf.all.forwarding'] : []),
  ];
  const undo: string[] = [];
  for (const key of keys) {
    const cur = await ctx.run('sysctl', ['-n', key]);
    if (cur.code === 0 && cur.stdout.trim() === '1') continue;
    const set = await ctx.run('sysctl', ['-w', `${key}=1`]);
    if (set.code !== 0) ctx.log('could not enable forwarding; remote sandbox / reflect need it', { key });
    else {
      ctx.log('enabled forwarding for remote sandbox / reflect', { key });
      undo.push(key);
    }
  }
  return async () => {
    for (const key of undo) await ctx.run('sysctl', ['-w', `${key}=0`]);
  };
}

async function pickDriver(cfg: EnforceConfig, ctx: DriverContext): Promise<Driver> {
  if (cfg.backend === 'nftables') return createNftDriver(ctx);
  if (cfg.backend === 'iptables') return createIptablesDriver(ctx);
  if (await nftAvailable(ctx)) return createNftDriver(ctx);
  if (await iptablesAvailable(ctx)) return createIptablesDriver(ctx);
  throw new KyokaError('KYOKA_E_UNAVAILABLE', 'neither nft nor iptables + ipset work on this host');
}

export async function createEnforcer(raw: EnforceConfig, opts: EnforcerOptions = {}): Promise<Enforcer> {
  const cfg = validateEnforceConfig(raw);
  const log = opts.log ?? (() => {});
  const now = opts.now ?? Date.now;
  const allow = mergeStatic([...cfg.whitelist, ...cfg.management]);
  const ctx: DriverContext = {
    table: cfg.table ?? 'kyoka',
    plan: buildPlan(cfg),
    allow4: allow.filter((n) => n.family === 4),
    allow6: allow.filter((n) => n.family === 6),
    run: opts.runner ?? createSpawnRunner(),
    log,
  };
  const driver = await pickDriver(cfg, ctx);
  const undoForwarding = await setupForwarding(ctx);
  try {
    await driver.install();
  } catch (err) {
    await undoForwarding();
    throw new KyokaError('KYOKA_E_UNAVAILABLE', `enforcement (${driver.name}) could not start: ${String(err)}`, {
      cause: err,
    });
  }
  log('enforcement installed', { backend: driver.name, rules: driver.rules, table: ctx.table });
  const cutter = createCutter(ctx.run, log, parseNet);
  const table = new DecisionTable();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  let lastSweep = now();
  const s = { applies: 0, errors: 0, rejected: 0, lastApplyMs: 0 };
  const allowed = (n: Net) => allow.some((a) => a.family === n.family && n.lo >= a.lo && n.hi <= a.hi);

  const schedule = (wakeAt: number | null) => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (wakeAt === null || closed) return;
    timer = setTimeout(
      () => void enqueue({ reset: false, added: [], removed: [] }, true),
      Math.max(0, wakeAt - now()) + 5,
    );
    timer.unref();
  };

  const doApply = async (batch: DecisionBatch, resync: boolean): Promise<ApplyResult> => {
    const t0 = performance.now();
    const n = now();
    if (n - lastSweep > 60_000) {
      table.sweep(n);
      lastSweep = n;
    }
    const staged = table.stage(batch, n, resync);
    s.rejected += staged.rejected;
    const result = (ok: boolean, cut: number, error?: string): ApplyResult => {
      s.lastApplyMs = performance.now() - t0;
      const r: ApplyResult = {
        ok,
        rejected: staged.rejected,
        decisions: table.counts(),
        cut,
        durationMs: s.lastApplyMs,
      };
      return error ? { ...r, error } : r;
    };
    try {
      if (closed) throw new Error('enforcer is closed');
      await driver.write(staged.diffs, staged.reset, (set) => staged.contents(set), n);
    } catch (err) {
      staged.rollback();
      s.errors++;
      log('enforcement apply failed; previous rules stay in force', { error: String(err) });
      return result(false, 0, err instanceof Error ? err.message : String(err));
    }
    staged.commit();
    const fresh = staged.fresh.map((k) => parseNet(k) as Net).filter((net) => !allowed(net));
    s.applies++;
    schedule(table.wakeAt);
    cutter.cut(fresh);
    return result(true, fresh.length);
  };

  const enqueue = (batch: DecisionBatch, resync = false): Promise<ApplyResult> => {
    const p = tail.then(() => doApply(batch, resync));
    tail = p.catch(() => undefined);
    return p;
  };

  return {
    backend: driver.name,
    apply: (batch) => enqueue(batch),
    stats(): EnforcerStats {
      return {
        backend: driver.name,
        decisions: table.counts(),
        rules: driver.rules,
        ...s,
        conntrack: { ...cutter.counts },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      await tail;
      await cutter.idle();
      try {
        await driver.remove();
      } finally {
        await undoForwarding();
        log('enforcement removed', { backend: driver.name });
      }
    },
  };
}
