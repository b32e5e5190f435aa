/**
 * The inside of bench/deception/latency (runs in the bench's own network namespace, so the
 * server, the agent, its nftables table and `nft monitor` all live on that namespace's loopback
 * and the host's firewall is never touched): a real `kyoka start`, a real `kyoka agent`
 * enforcing port 2222/tcp in firewall mode, and three phases:
 *   1. idle: the agent's RSS and CPU with no decisions;
 *   2. latency: N attackers, one honeypot event each over the events API (the built-in
 *      "honeypot interaction" rule bans at the first event); per attacker, from just before the
 *      POST to `nft monitor` printing its address added to the agent's ban set;
 *   3. bulk: D more attackers in NDJSON batches → D ban decisions; time until all are in the
 *      kernel set, then the agent's RSS and CPU while enforcing them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { client, sse } from '../../test/decisions/client.ts';
import { type Kyoka, startKyoka } from '../../test/helpers/kyoka.ts';
import { runCommand } from '../../test/helpers/netns.ts';
import { AGENT_TABLE, type AgentProc, procNow, sampleWindow, startAgent, type Window } from './agent-proc.ts';
import { type NftWatch, setSize, watchNft } from './nft-watch.ts';

export interface InsideOptions {
  dir: string;
  attackers: number;
  concurrency: number;
  decisions: number;
  batch: number;
  idleSec: number;
  enforceSec: number;
  /** How long to wait for the bulk decisions to reach the kernel after the events were acknowledged. */
  bulkTimeoutSec: number;
}

export interface Results {
  idle: Window;
  latency: Quantiles & { n: number; seen: number };
  /** The same attackers split: event → decision on the push stream (a second SSE client), stream → kernel. */
  toStream: Quantiles;
  streamToKernel: Quantiles;
  phase1: {
    transactions: number;
    /** Of those, committed by the agent's long-lived `nft -i` session (the pid seen most often). */
    viaSession: number;
    maxPerTx: number;
    agentCpuMsPerDecision: number;
    childCpuMsPerDecision: number;
  };
  bulk: {
    n: number;
    seen: number;
    inSet: number;
    ackS: number;
    allInKernelS: number;
    transactions: number;
    viaSession: number;
    maxPerTx: number;
    agentCpuS: number;
    childCpuS: number;
    rssMaxMb: number;
  };
  /** The agent's decision stream reconnects over the whole run, and the reasons it logged. */
  reconnects: { count: number; reasons: string[] };
  /** Updates the agent's nft session failed (each re-run with `nft -f`). */
  sessionFailures: number;
  enforcing: Window;
  peakRssMb: number;
  stop: { ms: number; tableGone: boolean };
}

const SET = 'ban4';
const ip = (base: number, i: number) => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const event = (addr: string, i: number) => ({
  event: { dataset: 'opencanary', action: 'ssh.login_attempt', outcome: 'failure' },
  observer: { type: 'honeypot', name: 'bench-canary' },
  source: { ip: addr, port: 40000 + (i % 20000) },
  destination: { port: 2222 },
  user: { name: 'root' },
});

async function post(k: Kyoka, body: string, ndjson: boolean): Promise<void> {
  const r = await fetch(`${k.url}/api/v1/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${k.ingestKey}`,
      'content-type': ndjson ? 'application/x-ndjson' : 'application/json',
    },
    body,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`POST /api/v1/events → ${r.status}: ${text.slice(0, 200)}`);
}

async function waitFor(what: string, ms: number, ok: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `n` jobs with `conc` workers. */
async function pool(n: number, conc: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(conc, n) }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

export interface Quantiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Transactions with elements, and how many of them the most frequent committing process made. */
function txStats(w: NftWatch): { sizes: number[]; viaSession: number } {
  const perPid = new Map<number, number>();
  const sizes: number[] = [];
  w.batches.forEach((n, i) => {
    if (n <= 0) return;
    sizes.push(n);
    const pid = w.pids[i] as number;
    perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
  });
  return { sizes, viaSession: Math.max(0, ...[...perPid.values()].filter((c) => c > 1)) };
}

function quantiles(xs: number[]): Quantiles {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  const mean = s.reduce((a, x) => a + x, 0) / s.length;
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.length - 1] ?? Number.NaN, mean };
}

/** A bouncer on the push stream that records when each address's decision.new arrived. */
async function streamClock(url: string, key: string) {
  const stream = await sse(`${url}/api/v1/decisions/stream`, { authorization: `Bearer ${key}` });
  const at = new Map<string, number>();
  let open = true;
  const loop = (async () => {
    while (open) {
      let ev: Awaited<ReturnType<typeof stream.next>>;
      try {
        ev = await stream.next(1000); // short: an abandoned wait's timer must not hold the process
      } catch (err) {
        if (open && /in time/.test((err as Error).message)) continue;
        throw err;
      }
      if (ev.event !== 'decision.new') continue;
      const { value } = JSON.parse(ev.data) as { value: string };
      if (!at.has(value)) at.set(value, performance.now());
    }
  })().catch(() => {});
  return {
    at,
    async close() {
      open = false;
      stream.close();
      await loop;
    },
  };
}

export async function runInside(o: InsideOptions, say: (msg: string) => void): Promise<Results> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  };
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
  try {
    mkdirSync(join(o.dir, 'server'), { recursive: true });
    const k = await startKyoka({ dataDir: join(o.dir, 'server'), env: { KYOKA_LOG_LEVEL: 'warn' } });
    cleanups.push(() => k.stop());
    const c = await client(k);
    const tok = await fetch(`${k.url}/api/v1/agents/tokens`, {
      method: 'POST',
      headers: { ...(await c.adminHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'agent', name: 'bench-agent' }),
    });
    if (tok.status >= 300) throw new Error(`enrollment token: ${tok.status} ${await tok.text()}`);
    const { token } = (await tok.json()) as { token: string };
    const clock = await streamClock(k.url, await c.key('bench-clock', 'bouncer'));
    cleanups.push(() => clock.close());
    const watch: NftWatch = await watchNft(AGENT_TABLE, SET);
    cleanups.push(() => watch.stop());
    const agent: AgentProc = await startAgent({ dir: o.dir, serverUrl: k.url, token });
    cleanups.push(() => agent.stop());
    // its install transaction; then a moment for the stream's first (empty) reset
    await waitFor('the agent to install its table', 15_000, () => watch.batches.length >= 1);
    await new Promise((r) => setTimeout(r, 2000));

    say(`idle: sampling the agent (pid ${agent.pid}) for ${o.idleSec} s`);
    const idle = await sampleWindow(agent.pid, o.idleSec);

    say('warm-up: 20 attackers, one at a time');
    for (let i = 0; i < 20; i++) {
      const a = ip(76, i);
      await post(k, JSON.stringify(event(a, i)), false);
      await waitFor(`warm-up ${a} in the kernel`, 15_000, () => watch.added.has(a));
    }

    say(`latency: ${o.attackers} attackers over ${o.concurrency} connections`);
    watch.resetCounters();
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    const toStream: number[] = [];
    const streamToKernel: number[] = [];
    watch.onAdd = (addr, at) => {
      const t = sentAt.get(addr);
      if (t === undefined) return;
      lat.push(at - t);
      const s = clock.at.get(addr);
      if (s !== undefined) {
        toStream.push(s - t);
        streamToKernel.push(at - s);
      }
      sentAt.delete(addr);
    };
    const p0 = procNow(agent.pid);
    await pool(o.attackers, o.concurrency, async (i) => {
      const a = ip(77, i);
      const body = JSON.stringify(event(a, i));
      sentAt.set(a, performance.now());
      await post(k, body, false);
    });
    await waitFor('every attacker in the kernel', 60_000, () => lat.length >= o.attackers).catch((e) => say(String(e)));
    watch.onAdd = null;
    const p1 = procNow(agent.pid);
    const { sizes: tx1, viaSession: session1 } = txStats(watch);
    await clock.close();

    say(`bulk: ${o.decisions} attackers in NDJSON batches of ${o.batch}`);
    watch.resetCounters();
    let seen = 0;
    let lastAt = 0;
    watch.onAdd = (addr, at) => {
      if (!addr.startsWith('10.1') || watch.added.get(addr) !== at) return;
      seen++;
      lastAt = at;
    };
    let rssMax = 0;
    const rssTimer = setInterval(() => {
      if (agent.proc.exitCode === null) rssMax = Math.max(rssMax, procNow(agent.pid).rssMb);
    }, 250);
    const t0 = performance.now();
    const batches = Math.ceil(o.decisions / o.batch);
    await pool(batches, 2, async (b) => {
      const lines: string[] = [];
      for (let i = b * o.batch; i < Math.min(o.decisions, (b + 1) * o.batch); i++)
        lines.push(JSON.stringify(event(ip(100, i), i)));
      await post(k, `${lines.join('\n')}\n`, true);
    });
    const ackS = (performance.now() - t0) / 1000;
    say(`bulk: all events acknowledged after ${ackS.toFixed(1)} s; waiting for the kernel`);
    await waitFor(`${o.decisions} decisions in the kernel`, o.bulkTimeoutSec * 1000, () => seen >= o.decisions).catch(
      (e) => say(`${e}; ${seen} arrived`),
    );
    clearInterval(rssTimer);
    const p2 = procNow(agent.pid);
    const { sizes: tx2, viaSession: session2 } = txStats(watch);
    const inSet = await setSize(AGENT_TABLE, SET);
    watch.onAdd = null;

    say(`enforcing: sampling the agent for ${o.enforceSec} s with ${inSet} addresses in its set`);
    const enforcing = await sampleWindow(agent.pid, o.enforceSec);
    const peakRssMb = procNow(agent.pid).peakRssMb;

    const s0 = performance.now();
    await agent.stop();
    const stopMs = performance.now() - s0;
    const tables = await runCommand(['nft', 'list', 'tables']);

    const lines = agent
      .output()
      .split('\n')
      .filter((l) => l.includes('decision stream: reconnecting'));
    const reasons = [...new Set(lines.map((l) => /error: '([^']*)'/.exec(l)?.[1] ?? l.slice(0, 160)))];
    return {
      reconnects: { count: lines.length, reasons },
      sessionFailures: agent
        .output()
        .split('\n')
        .filter((l) => l.includes('nft session failed')).length,
      idle,
      latency: { n: o.attackers, seen: lat.length, ...quantiles(lat) },
      toStream: quantiles(toStream),
      streamToKernel: quantiles(streamToKernel),
      phase1: {
        transactions: tx1.length,
        viaSession: session1,
        maxPerTx: Math.max(0, ...tx1),
        agentCpuMsPerDecision: ((p1.cpuS - p0.cpuS) * 1000) / o.attackers,
        childCpuMsPerDecision: ((p1.childCpuS - p0.childCpuS) * 1000) / o.attackers,
      },
      bulk: {
        n: o.decisions,
        seen,
        inSet,
        ackS,
        allInKernelS: seen ? (lastAt - t0) / 1000 : Number.NaN,
        transactions: tx2.length,
        viaSession: session2,
        maxPerTx: Math.max(0, ...tx2),
        agentCpuS: p2.cpuS - p1.cpuS,
        childCpuS: p2.childCpuS - p1.childCpuS,
        rssMaxMb: rssMax,
      },
      enforcing,
      peakRssMb,
      stop: { ms: stopMs, tableGone: !new RegExp(`\\binet ${AGENT_TABLE}\\b`).test(tables.stdout) },
    };
  } finally {
    await cleanup();
  }
}
