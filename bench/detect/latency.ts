/**
 * bench/detect latency: a real `kyoka start` with 200 rules loaded (the built-in pack plus
 * generated ones in detect.rulesDir), a push-stream client (SSE, bouncer key), and 1,000
 * attackers, each sending one honeypot event over the events API. Measures, per attacker, the
 * time from sending the event that crosses the rule to its decision arriving on the stream,
 * and the server's CPU per event for ingest + detection. The peers poll every 10 s.
 *
 * Closed loop by default: `--concurrency` senders each send the next attacker's event as soon
 * as the previous one is acknowledged, so the server runs flat out and latency includes its
 * queueing at saturation. `--rate N` is open loop instead: a new attacker every 1/N s,
 * whatever the server's answers (how a real attack wave arrives). `--warmup` attackers go first,
 * unmeasured, as on a server that has been running.
 *
 *   node --import tsx bench/detect/latency.ts [--attackers 1000] [--concurrency 4 | --rate 200] [--warmup 200] [--prof DIR]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRuleSources } from '../../packages/server/src/detect/load.ts';
import { BUILTIN_RULES_DIR, readRulesDir } from '../../packages/server/src/detect/rules-dir.ts';
import { client, sse } from '../../test/decisions/client.ts';
import { startKyoka } from '../../test/helpers/kyoka.ts';
import { cpuSeconds, table } from '../ingest/proc-stats.ts';
import { generated } from './rules.ts';

const { values } = parseArgs({
  options: {
    attackers: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    /** Open loop: attackers per second (default: closed loop with --concurrency senders). */
    rate: { type: 'string' },
    /** Attackers sent (and their decisions awaited) before measuring: a fresh process compiles its hot paths on first use. */
    warmup: { type: 'string', default: '200' },
    /** Write a CPU profile of the server process into this directory. */
    prof: { type: 'string' },
  },
});
const N = Number(values.attackers);
const CONC = Number(values.concurrency);
const RATE = values.rate ? Number(values.rate) : 0;
const WARMUP = Number(values.warmup);

const dir = mkdtempSync(join(tmpdir(), 'kyoka-detect-bench-'));
const rulesDir = join(dir, 'rules');
const builtin = loadRuleSources(readRulesDir(BUILTIN_RULES_DIR).sources).rules.length;
mkdirSync(rulesDir);
writeFileSync(join(rulesDir, 'generated.yml'), generated(200 - builtin));
const configFile = join(dir, 'kyoka.yaml');
writeFileSync(configFile, `detect:\n  rulesDir: ${JSON.stringify(rulesDir)}\n`);

const k = await startKyoka({
  configFile,
  env: { KYOKA_LOG_LEVEL: 'warn' },
  ...(values.prof ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', values.prof] } : {}),
});
try {
  const c = await client(k);
  const bouncer = await c.key('bench', 'bouncer');
  const rules = (await (await fetch(`${k.url}/api/v1/rules`, { headers: await c.adminHeaders() })).json()) as unknown[];
  const stream = await sse(`${k.url}/api/v1/decisions/stream`, { authorization: `Bearer ${bouncer}` });
  for (;;) if ((await stream.next()).event === 'synced') break;

  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  const post = async (body: string) => {
    const r = await fetch(`${k.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/json' },
      body,
    });
    await r.arrayBuffer();
  };
  const eventOf = (ip: string, i: number) =>
    JSON.stringify({
      event: { dataset: 'opencanary', action: 'ssh.login_attempt', outcome: 'failure' },
      observer: { type: 'honeypot', name: 'bench-canary' },
      source: { ip, port: 40000 + (i % 20000) },
      destination: { port: 22 },
      user: { name: 'root' },
    });
  // warm-up attackers from another range; measuring starts once all their decisions arrived
  for (let i = 0; i < WARMUP; i += 4)
    await Promise.all([0, 1, 2, 3].map((j) => post(eventOf(`10.200.${(i + j) >> 8}.${(i + j) & 255}`, i + j))));
  for (let seen = 0; seen < WARMUP; ) if ((await stream.next(30_000)).event === 'decision.new') seen++;

  const reader = (async () => {
    while (lat.length < N) {
      const ev = await stream.next(30_000);
      if (ev.event !== 'decision.new') continue;
      const { value } = JSON.parse(ev.data) as { value: string };
      const t = sentAt.get(value);
      if (t !== undefined) {
        lat.push(performance.now() - t);
        sentAt.delete(value);
      }
    }
  })();

  const ip = (i: number) => `10.${77 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  const cpu0 = cpuSeconds(k.proc.pid as number);
  const send = async (i: number) => {
    const body = eventOf(ip(i), i);
    sentAt.set(ip(i), performance.now());
    await post(body);
  };
  if (RATE > 0) {
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const due = t0 + (i * 1000) / RATE - performance.now();
      if (due > 1) await new Promise((r) => setTimeout(r, due));
      inflight.push(send(i));
    }
    await Promise.all(inflight);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (next < N) await send(next++);
      }),
    );
  }
  await reader;
  const cpu = cpuSeconds(k.proc.pid as number) - cpu0;
  stream.close();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number;
  console.log(
    `\nbench/detect: ${N} attackers, one honeypot event each ${RATE > 0 ? `at ${RATE}/s (open loop)` : `over ${CONC} connections (closed loop)`}, ${rules.length} rules loaded; ` +
      'latency = event sent -> its ban decision received on the push stream (SSE)\n',
  );
  console.log(
    table(
      ['attackers', 'rules', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'server CPU ms / event'],
      [[N, rules.length, q(0.5), q(0.9), q(0.99), lat[lat.length - 1] as number, (cpu * 1000) / N]],
    ),
  );
} finally {
  await k.stop();
  rmSync(dir, { recursive: true, force: true });
}
