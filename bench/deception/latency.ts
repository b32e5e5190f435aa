/**
 * bench/deception latency (issue 5): time from the event that crosses a detection threshold to
 * the ban being active in the kernel on the agent, p50/p95/p99/max over 1,000 attackers (target
 * p99 < 100 ms; seed 002 and CrowdSec's firewall bouncer poll every 10 s), and the agent's RSS
 * and CPU idle and while enforcing 100k decisions (and how long those 100k take to reach the
 * kernel).
 *
 * The bench creates its own network namespace and re-executes itself inside it (`--inside`), so
 * the server, the `kyoka agent` process, its nftables table and `nft monitor` all run there, on
 * that namespace's loopback; the host's firewall is never touched. This outer process owns the
 * namespace and the temp dir and removes both whatever happens inside (exit, error, signal).
 * The measuring code is in latency-run.ts. Needs root and nft; prints a skip notice otherwise.
 *
 *   node --import tsx bench/deception/latency.ts [--attackers 1000] [--concurrency 4]
 *     [--decisions 100000] [--batch 5000] [--idle-sec 20] [--enforce-sec 20] [--bulk-timeout-sec 300]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createNetns, netnsUnavailable } from '../../test/helpers/netns.ts';
import { table } from '../ingest/proc-stats.ts';
import { type InsideOptions, type Results, runInside } from './latency-run.ts';

const { values } = parseArgs({
  options: {
    attackers: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    decisions: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '5000' },
    'idle-sec': { type: 'string', default: '20' },
    'enforce-sec': { type: 'string', default: '20' },
    'bulk-timeout-sec': { type: 'string', default: '300' },
    inside: { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});
const opts: Omit<InsideOptions, 'dir'> = {
  attackers: Number(values.attackers),
  concurrency: Number(values.concurrency),
  decisions: Number(values.decisions),
  batch: Number(values.batch),
  idleSec: Number(values['idle-sec']),
  enforceSec: Number(values['enforce-sec']),
  bulkTimeoutSec: Number(values['bulk-timeout-sec']),
};
for (const [k, v] of Object.entries(opts))
  if (!Number.isInteger(v) || v < 1) {
    console.error(
      `bench/deception/latency: --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive integer`,
    );
    process.exit(2);
  }
const say = (m: string) => console.error(`[bench/deception] ${m}`);
const COMMAND =
  'node --import tsx bench/deception/latency.ts' +
  ` --attackers ${opts.attackers} --concurrency ${opts.concurrency} --decisions ${opts.decisions}` +
  ` --batch ${opts.batch} --idle-sec ${opts.idleSec} --enforce-sec ${opts.enforceSec}`;

function report(r: Results): string {
  const L = r.latency;
  const B = r.bulk;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const mb = (x: number) => `${x.toFixed(1)} MB`;
  const pct = (x: number) => `${x.toFixed(2)} %`;
  const rows: string[][] = [
    ['event → ban in kernel, p50', ms(L.p50), `${L.seen}/${L.n} attackers seen in the set`],
    ['event → ban in kernel, p95', ms(L.p95), `${opts.concurrency} concurrent senders`],
    ['event → ban in kernel, p99', ms(L.p99), L.p99 < 100 ? 'target < 100 ms: met' : 'target < 100 ms: NOT met'],
    ['event → ban in kernel, max / mean', `${ms(L.max)} / ${ms(L.mean)}`, ''],
    [
      'of which event → decision on push stream',
      `p50 ${ms(r.toStream.p50)}, p99 ${ms(r.toStream.p99)}`,
      'server: commit, rules, decision commit, SSE',
    ],
    [
      'of which stream → in kernel',
      `p50 ${ms(r.streamToKernel.p50)}, p99 ${ms(r.streamToKernel.p99)}`,
      'agent: SSE client, batching, nft transaction',
    ],
    [
      'agent transactions for the attackers',
      String(r.phase1.transactions),
      `${r.phase1.viaSession} by the nft -i session, the rest nft -f; largest ${r.phase1.maxPerTx} addresses`,
    ],
    [
      'agent CPU per decision',
      `${r.phase1.agentCpuMsPerDecision.toFixed(2)} ms`,
      `+ ${r.phase1.childCpuMsPerDecision.toFixed(2)} ms in nft / conntrack children`,
    ],
    ['idle: agent CPU', pct(r.idle.cpuPct), `${r.idle.seconds.toFixed(0)} s, 0 decisions, of one core`],
    ['idle: agent RSS mean / max', `${mb(r.idle.rssMeanMb)} / ${mb(r.idle.rssMaxMb)}`, ''],
    [
      `${B.n.toLocaleString('en-US')} decisions: events acknowledged`,
      `${B.ackS.toFixed(1)} s`,
      `NDJSON batches of ${opts.batch} over 2 connections`,
    ],
    [
      `${B.n.toLocaleString('en-US')} decisions: all in the kernel set`,
      B.seen >= B.n ? `${B.allInKernelS.toFixed(1)} s` : `NOT within ${opts.bulkTimeoutSec} s of the ack`,
      `${B.seen.toLocaleString('en-US')} seen added; set holds ${B.inSet.toLocaleString('en-US')}`,
    ],
    [
      `${B.n.toLocaleString('en-US')} decisions: agent transactions`,
      String(B.transactions),
      `${B.viaSession} by the nft -i session; largest ${B.maxPerTx.toLocaleString('en-US')} addresses`,
    ],
    [
      `${B.n.toLocaleString('en-US')} decisions: agent CPU while applying`,
      `${B.agentCpuS.toFixed(1)} s`,
      `+ ${B.childCpuS.toFixed(1)} s in nft / conntrack children; RSS max ${mb(B.rssMaxMb)}`,
    ],
    ['enforcing: agent CPU', pct(r.enforcing.cpuPct), `${r.enforcing.seconds.toFixed(0)} s, ${B.inSet} addresses`],
    ['enforcing: agent RSS mean / max', `${mb(r.enforcing.rssMeanMb)} / ${mb(r.enforcing.rssMaxMb)}`, ''],
    ['agent peak RSS (VmHWM)', mb(r.peakRssMb), 'whole run'],
    ['agent decision-stream reconnects', String(r.reconnects.count), r.reconnects.reasons.join('; ').slice(0, 120)],
    ['agent nft session failures', String(r.sessionFailures), 'each update re-run with nft -f'],
    ['agent stop (SIGTERM → exit)', ms(r.stop.ms), r.stop.tableGone ? 'its nft table is gone' : 'TABLE LEFT BEHIND'],
  ];
  return table(['figure', 'value', 'notes'], rows);
}

async function outer(): Promise<number> {
  const why =
    netnsUnavailable() ?? (spawnSync('nft', ['--version']).status === 0 ? null : 'nft is not installed (apt nftables)');
  if (why) {
    console.log(`bench/deception/latency: skipped: ${why}`);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-bench-deception-'));
  const ns = await createNetns('bench');
  try {
    const self = new URL(import.meta.url).pathname;
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns.name,
        process.execPath,
        '--import',
        'tsx',
        self,
        ...process.argv.slice(2),
        '--inside',
        '--dir',
        dir,
      ],
      { stdio: 'inherit' },
    );
    const forward = (sig: NodeJS.Signals) => child.kill(sig === 'SIGINT' ? 'SIGTERM' : sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    await ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function inside(): Promise<number> {
  const dir = values.dir;
  if (!dir) throw new Error('--inside needs the directory the outer process made');
  const r = await runInside({ ...opts, dir }, say);
  console.log(
    `\nbench/deception latency: ${opts.attackers} attackers, one honeypot event each (built-in rule bans at once); ` +
      'latency = POST /api/v1/events sent → address printed by `nft monitor` as added to the agent set; ' +
      `server, agent (kyoka agent, firewall mode, nftables) and load on one namespace's loopback.\n` +
      `Reproduce: ${COMMAND}\n`,
  );
  console.log(report(r));
  return r.latency.seen === opts.attackers && r.bulk.seen === opts.decisions && r.stop.tableGone ? 0 : 1;
}

process.exitCode = await (values.inside ? inside() : outer()).catch((err: Error) => {
  console.error(`bench/deception/latency: ${err.stack ?? err.message}`);
  return 1;
});
