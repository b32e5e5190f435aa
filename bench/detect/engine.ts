/**
 * Rule engine throughput (not a test): 200 rules (the built-in pack plus generated Sigma-style
 * rules: most pinned to an event.action or dataset, 20 unindexed keyword/CIDR/wildcard rules)
 * over a mix of parsed sshd / vsftpd / rsyncd / OpenCanary events from 5,000 sources, batches
 * of 1,000. Generated rules are candidates for real events but rarely match (as in
 * production), so the figure is the cost of evaluating rules. Prints events per CPU-second
 * with and without the prefilter.
 *   node --import tsx bench/detect/engine.ts [events]
 * With --sources N: the ingest bench's events instead (bench/synthetic.ts benchEventLine, with N
 * distinct source addresses, 5 actions, batches of 5,000), built-in pack only; each batch is
 * parsed and normalized outside the measured time, so only the engine's CPU is counted (and
 * its garbage, which a live batch keeps alive, as in the server).
 *   node --import tsx bench/detect/engine.ts --sources 65536 [--events 300000]   (DETECT_BENCH_STATS=1: hits per rule)
 */
import { parseArgs } from 'node:util';
import { type KyokaEvent, normalizeEvent } from '@kyoka/core';
import { createEngine } from '../../packages/server/src/detect/engine.ts';
import { loadRuleSources } from '../../packages/server/src/detect/load.ts';
import { oc, opencanaryLines, programLines, syslogLines } from '../../packages/server/src/detect/replay-helpers.ts';
import { BUILTIN_RULES_DIR, readRulesDir } from '../../packages/server/src/detect/rules-dir.ts';
import type { CompiledRule } from '../../packages/server/src/detect/types.ts';
import { benchEventLine } from '../synthetic.ts';
import { generated } from './rules.ts';

const { values: opt, positionals } = parseArgs({
  options: { sources: { type: 'string' }, events: { type: 'string' } },
  allowPositionals: true,
});

function events(total: number): KyokaEvent[] {
  const base: KyokaEvent[] = [];
  for (let s = 0; s < 50; s++) {
    const ip = `198.51.${s >> 8}.${s & 255}`;
    base.push(
      ...syslogLines([
        `Nov 21 10:00:00 web1 sshd[1]: Failed password for invalid user u${s} from ${ip} port 4000 ssh2`,
      ]),
      ...syslogLines([`Nov 21 10:00:00 web1 sshd[1]: Accepted publickey for alice from ${ip} port 4001 ssh2`]),
      ...programLines('vsftpd', [`[ftp] FAIL LOGIN: Client "${ip}"`]),
      ...programLines('rsyncd', [`module-list request from UNKNOWN (${ip})`]),
      ...opencanaryLines([
        oc(4002, ip, 22, { USERNAME: 'root', PASSWORD: 'x' }),
        oc(17001, ip, 6379, { CMD: 'GET', ARGS: 'k' }),
        oc(3000, ip, 80, { PATH: '/', USERAGENT: 'curl' }),
        oc(5001, ip, 22, { PROTO: 'TCP' }),
      ]),
    );
  }
  const out: KyokaEvent[] = [];
  for (let i = 0; i < total; i++) {
    const b = base[i % base.length] as KyokaEvent;
    const n = i % 5000;
    out.push({ ...b, id: `e${i}`, source: { ...b.source, ip: `203.0.${n >> 8}.${n & 255}` } });
  }
  return out;
}

function run(rules: CompiledRule[], evs: KyokaEvent[]): { perCpuSec: number; detections: number } {
  const e = createEngine({ rules, now: () => 1_800_000_000_000 });
  for (let i = 0; i < 20_000; i += 1000) e.process(evs.slice(i, i + 1000)); // warm-up
  let detections = 0;
  const cpu = process.cpuUsage();
  for (let i = 0; i < evs.length; i += 1000) detections += e.process(evs.slice(i, i + 1000)).length;
  const used = process.cpuUsage(cpu);
  return { perCpuSec: evs.length / ((used.user + used.system) / 1e6), detections };
}

/** One batch of the ingest bench's events (its eventLine), parsed and normalized as ingest does. */
function ingestBatch(from: number, n: number, sources: number, t0: number): KyokaEvent[] {
  const out: KyokaEvent[] = [];
  const norm = { receivedAt: t0, source: 'bench' };
  for (let i = from; i < from + n; i++) {
    const line = benchEventLine(i, t0 + i, { sources, id: `01J${i.toString().padStart(23, '0')}` });
    out.push(normalizeEvent(JSON.parse(line), norm));
  }
  return out;
}

function runIngest(rules: CompiledRule[], total: number, sources: number): void {
  const t0 = 1_800_000_000_000;
  let clock = t0;
  const e = createEngine({ rules, now: () => clock });
  const BATCH = 5000;
  let detections = 0;
  let cpuUs = 0;
  let warm = 0;
  for (let i = 0; i < total + 50_000; i += BATCH) {
    const batch = ingestBatch(i, BATCH, sources, t0);
    clock = t0 + i / 20; // 20 events per ms of wall clock: ~50k events/s
    const c = process.cpuUsage();
    const d = e.process(batch).length;
    const used = process.cpuUsage(c);
    if (i < 50_000) {
      warm += d;
      continue;
    }
    cpuUs += used.user + used.system;
    detections += d;
  }
  const st = e.stats();
  if (process.env.DETECT_BENCH_STATS) console.log(st.hits, st.detections);
  console.log(
    `sources ${sources}, events ${total}, built-ins (${rules.length}): ${Math.round(total / (cpuUs / 1e6))} events/CPU-s, ` +
      `${(cpuUs / total).toFixed(2)} us/event, detections ${detections} (+${warm} warm-up), buckets ${st.buckets}, evicted ${st.evicted}`,
  );
}

const builtin = loadRuleSources(readRulesDir(BUILTIN_RULES_DIR).sources).rules;
if (opt.sources !== undefined) {
  runIngest(builtin, Number(opt.events ?? 300_000), Number(opt.sources));
  process.exit(0);
}
const gen = loadRuleSources([{ name: 'bench', text: generated(200 - builtin.length) }]);
if (gen.errors.length > 0) throw new Error(JSON.stringify(gen.errors));
const rules = [...builtin, ...gen.rules];
const evs = events(Number(positionals[0] ?? opt.events ?? 200_000));
const indexed = run(rules, evs);
const unindexed = run(
  rules.map((r) => ({ ...r, index: undefined })),
  evs,
);
const pack = run(builtin, evs);
console.log(`rules: ${rules.length} (${rules.filter((r) => !r.index).length} unindexed), events: ${evs.length}`);
console.log('mode          events/CPU-s   detections');
console.log(`prefilter     ${Math.round(indexed.perCpuSec).toString().padStart(12)}   ${indexed.detections}`);
console.log(`built-ins (${builtin.length}) ${Math.round(pack.perCpuSec).toString().padStart(9)}   ${pack.detections}`);
console.log(`no prefilter  ${Math.round(unindexed.perCpuSec).toString().padStart(12)}   ${unindexed.detections}`);
