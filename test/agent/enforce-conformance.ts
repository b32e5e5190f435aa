/**
 * The one conformance suite for enforcement backends (nftables, iptables + ipset), run in network
 * namespaces this suite creates (test/helpers/netns-lab.ts). The enforcer runs inside `protected`
 * through a runner prefixed with `ip netns exec`. Ports: 2121 deception (sandbox = same port),
 * 2122 reflect, 2123 firewall, 2124 honeypot (sandbox 10.77.1.2:2121), whitelist 10.77.0.4.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DecisionView } from '@kyoka/link';
import {
  type CommandRunner,
  createEnforcer,
  createSpawnRunner,
  type EnforceConfig,
  type Enforcer,
} from '../../packages/agent/src/enforce/index.ts';
import { netnsUnavailable } from '../helpers/netns.ts';
import { createLab, LAB, type Lab, type Probe, probe, serveWord } from '../helpers/netns-lab.ts';

let seq = 0;
export function decision(value: string, type: string, remainingMs = 60_000): DecisionView {
  seq++;
  return {
    id: seq,
    uuid: `d-${seq}`,
    value,
    scope: 'ip',
    type,
    origin: 'test',
    reason: '',
    scenario: 'test',
    offence: 1,
    created_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + remainingMs).toISOString(),
    deleted_at: null,
    remaining_ms: remainingMs,
  };
}

const P = LAB.protected;
const FAST = { timeoutMs: 800 };

async function until(what: string, fn: () => Promise<boolean>, deadlineMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < deadlineMs) {
    if (await fn()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}

function word(r: { result: string; word?: string }): string {
  return r.result === 'ok' ? (r.word as string) : r.result;
}

/** What must be identical before start and after close (comments and counters removed). */
async function snapshot(run: CommandRunner): Promise<string> {
  const parts: string[] = [];
  for (const [cmd, args] of [
    ['nft', ['list', 'ruleset']],
    ['iptables-save', []],
    ['ip6tables-save', []],
    ['ipset', ['list']],
    ['sysctl', ['-n', 'net.ipv4.ip_forward']],
  ] as const) {
    const r = await run(cmd, [...args]);
    parts.push(`## ${cmd}\n${r.stdout.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '')}`);
  }
  return parts.join('\n');
}

export function enforcerConformance(backend: 'nftables' | 'iptables'): void {
  const unavailable = netnsUnavailable();
  if (unavailable) console.log(`# SKIP enforce-${backend}: ${unavailable}`);
  describe(`enforcement conformance: ${backend}`, { skip: unavailable ?? false }, () => {
    let lab: Lab;
    let enforcer: Enforcer | undefined;
    let attacker: Probe;
    let client: Probe;
    let before0 = '';
    const calls: Array<{ cmd: string; args: string[] }> = [];
    let run: CommandRunner;
    /** While set, the enforcer's conntrack commands wait for it (to order a cut after new flows). */
    let conntrackGate: Promise<void> | undefined;
    const cfg: EnforceConfig = {
      backend,
      protect: [
        { port: 2121, protocol: 'tcp', mode: 'deception', sandbox: LAB.sandbox },
        { port: 2122, protocol: 'tcp', mode: 'reflect' },
        { port: 2123, protocol: 'tcp', mode: 'firewall' },
        { port: 2124, protocol: 'tcp', mode: 'honeypot', sandbox: `${LAB.sandbox}:2121` },
      ],
      whitelist: [LAB.client2],
      management: ['192.0.2.10'],
    };
    const apply = async (added: DecisionView[], removed: DecisionView[] = [], reset = false) => {
      const r = await enforcer!.apply({ reset, added, removed });
      assert.equal(r.ok, true, r.error);
      return r;
    };

    before(async () => {
      lab = await createLab();
      const inner = createSpawnRunner({ prefix: lab.protected.prefix });
      // `open` is passed on, so the nftables run goes through its long-lived `nft -i` session.
      run = Object.assign(
        async (cmd: string, args: string[], opts?: { input?: string }) => {
          calls.push({ cmd, args });
          if (cmd === 'conntrack') await conntrackGate;
          return inner(cmd, args, opts);
        },
        { open: inner.open },
      );
      // Foreign rules and sets the enforcer must leave alone (one in every built-in chain we hook:
      // iptables-nft creates a built-in chain on first use and leaves it, empty, afterwards).
      await lab.protected.must('nft', ['add', 'table', 'inet', 'foreign']);
      for (const ipt of ['iptables', 'ip6tables']) {
        await lab.protected.must(ipt, ['-t', 'mangle', '-A', 'PREROUTING', '-i', 'lo', '-j', 'RETURN']);
        await lab.protected.must(ipt, ['-t', 'nat', '-A', 'PREROUTING', '-i', 'lo', '-j', 'RETURN']);
        await lab.protected.must(ipt, ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'lo', '-j', 'RETURN']);
        await lab.protected.must(ipt, ['-A', 'FORWARD', '-i', 'lo', '-j', 'RETURN']);
      }
      await lab.protected.must('ipset', ['create', 'foreign', 'hash:ip']);
      before0 = await snapshot(run);
      await serveWord(lab.protected, [2121, 2122, 2123, 2124], 'REAL');
      await serveWord(lab.sandbox, [2121, 2122, 2123], 'SANDBOX');
      await serveWord(lab.attacker, [2122], 'ATTACKER');
      [attacker, client] = await Promise.all([probe(lab.attacker), probe(lab.client)]);
      enforcer = await createEnforcer(cfg, { runner: run });
      assert.equal(enforcer.backend, backend);
    });

    after(async () => {
      try {
        await enforcer?.close();
      } finally {
        await lab?.destroy();
      }
    });

    it('before any decision: everyone reaches the real service; honeypot port goes to the sandbox', async () => {
      for (const port of [2121, 2122, 2123]) {
        assert.equal(word(await attacker.get(P, port)), 'REAL', `attacker :${port}`);
        assert.equal(word(await client.get(P, port)), 'REAL', `client :${port}`);
      }
      assert.equal(word(await attacker.get(P, 2124)), 'SANDBOX');
      assert.equal(word(await client.get(P, 2124)), 'SANDBOX');
      assert.equal(word(await client.get(P, 2124, { local: LAB.client2 })), 'REAL', 'whitelisted source');
    });

    it('deceive: attacker to the sandbox (deception), reflected (reflect), dropped (firewall); its open connection is cut', async () => {
      const held = await attacker.hold(P, 2121);
      assert.equal(word(held.first), 'REAL');
      assert.equal(await attacker.poke(held.ref), 'alive');
      let openGate = () => {};
      conntrackGate = new Promise((resolve) => {
        openGate = resolve;
      });
      let diverted: Awaited<ReturnType<Probe['hold']>>;
      let reflected: typeof diverted;
      try {
        const r = await apply([decision(LAB.attacker, 'deceive')]);
        assert.equal(r.decisions.deceive, 1);
        // Flows opened after the decision are already diverted: the cut that follows must spare
        // them (deleting their conntrack entry mid-handshake left such a connection hanging).
        diverted = await attacker.hold(P, 2121);
        reflected = await attacker.hold(P, 2122);
      } finally {
        // never left closed: close() waits for the cut
        conntrackGate = undefined;
        openGate();
      }
      assert.equal(word(diverted.first), 'SANDBOX');
      assert.equal(word(reflected.first), 'ATTACKER');
      assert.equal(word(await attacker.get(P, 2121)), 'SANDBOX');
      assert.equal(word(await client.get(P, 2121)), 'REAL');
      assert.equal(word(await attacker.get(P, 2122)), 'ATTACKER');
      assert.equal(word(await client.get(P, 2122)), 'REAL');
      assert.equal(word(await attacker.get(P, 2123, FAST)), 'timeout');
      assert.equal(word(await client.get(P, 2123)), 'REAL');
      await until('held connection cut', async () => (await attacker.poke(held.ref, 700)) === 'cut', 5000);
      assert.ok(enforcer!.stats().conntrack.cut >= 1);
      const kept = (await run('conntrack', ['-L', '-s', LAB.attacker])).stdout;
      // an open flow from the attacker to P:port whose replies come from replyFrom
      const entry = (port: number, replyFrom: string) =>
        kept
          .split('\n')
          .some(
            (l) =>
              l.includes(`ESTABLISHED src=${LAB.attacker} dst=${P} `) &&
              l.includes(` dport=${port} src=${replyFrom} dst=`),
          );
      assert.ok(entry(2121, LAB.sandbox), `the diverted flow's entry is kept:\n${kept}`);
      assert.ok(entry(2122, LAB.attacker), `the reflected flow's entry is kept:\n${kept}`);
      assert.equal(await attacker.poke(diverted.ref), 'alive');
      assert.equal(await attacker.poke(reflected.ref), 'alive');
    });

    it('a removed decision restores normal routing', async () => {
      const d = decision(LAB.attacker, 'reflect');
      await apply([d]);
      assert.equal(word(await attacker.get(P, 2122)), 'ATTACKER');
      await apply([], [d]);
      // The deceive decision of the previous step still holds: reset to a known state.
      await apply([], [], true);
      for (const port of [2121, 2122, 2123]) assert.equal(word(await attacker.get(P, port)), 'REAL', `:${port}`);
      assert.deepEqual(enforcer!.stats().decisions, { ban: 0, deceive: 0, reflect: 0 });
    });

    it('ban drops on every protected port, whatever the mode; others unaffected', async () => {
      await apply([decision(LAB.attacker, 'ban'), decision(LAB.attacker, 'deceive')]);
      for (const port of [2121, 2122, 2123, 2124])
        assert.equal(word(await attacker.get(P, port, FAST)), 'timeout', `:${port}`);
      assert.equal(word(await client.get(P, 2121)), 'REAL');
      await apply([], [], true);
    });

    it('decisions on whitelisted or management addresses have no effect', async () => {
      await apply([decision(LAB.client2, 'ban'), decision('10.77.0.0/24', 'deceive')]);
      assert.equal(word(await client.get(P, 2121, { local: LAB.client2 })), 'REAL');
      assert.equal(word(await client.get(P, 2121)), 'SANDBOX', 'the /24 still covers the other client');
      await apply([], [], true);
      assert.equal(word(await client.get(P, 2121)), 'REAL');
    });

    it('overlapping networks: a container replaces what it covers; what outlives it comes back', async () => {
      const small = decision('10.77.0.2/31', 'deceive'); // attacker and client
      try {
        await apply([small]);
        assert.equal(word(await attacker.get(P, 2121)), 'SANDBOX');
        // The /24 expires first; the /31 it shadowed must be re-added by the agent on its own.
        const t0 = Date.now();
        await apply([decision('10.77.0.0/24', 'deceive', 2000)]);
        assert.equal(word(await client.get(P, 2121)), 'SANDBOX');
        await new Promise((r) => setTimeout(r, Math.max(0, 2600 - (Date.now() - t0))));
        await until('shadowed /31 back', async () => word(await client.get(P, 2121)) === 'SANDBOX', 3000);
        assert.deepEqual(enforcer!.stats().decisions.deceive, 1);
        await apply([], [small]);
        assert.equal(word(await attacker.get(P, 2121)), 'REAL');
      } finally {
        await enforcer?.apply({ reset: true, added: [], removed: [] });
      }
    });

    it('an element with 2 s remaining expires in the kernel by itself', async () => {
      const t0 = Date.now();
      await apply([decision(LAB.attacker, 'deceive', 2000)]);
      assert.equal(word(await attacker.get(P, 2121)), 'SANDBOX');
      await until('expiry', async () => word(await attacker.get(P, 2121)) === 'REAL', 8000);
      // The kernel timer starts after t0, so expiry cannot be seen before ~2 s from it.
      assert.ok(Date.now() - t0 >= 1800, `expired too early (${Date.now() - t0} ms)`);
    });

    it('a malformed decision is rejected and counted; the rest of the batch applies', async () => {
      const before1 = enforcer!.stats().rejected;
      const bad = [
        decision('not-an-ip', 'deceive'),
        decision('10.77.0.2; flush ruleset', 'deceive'),
        decision('1.2.3.4', 'explode'),
        { ...decision('5.6.7.8', 'ban'), remaining_ms: Number.NaN, expires_at: 'never' },
        null as unknown as DecisionView,
      ];
      const r = await apply([...bad, decision(LAB.attacker, 'deceive')]);
      assert.equal(r.rejected, bad.length);
      assert.equal(enforcer!.stats().rejected - before1, bad.length);
      assert.equal(word(await attacker.get(P, 2121)), 'SANDBOX');
      await apply([], [], true);
    });

    it('100k decisions (IPv4, IPv6, overlapping CIDRs) apply in one transaction', async () => {
      const added: DecisionView[] = [];
      const rnd = (n: number) => Math.floor(Math.random() * n);
      const v4 = () => `${11 + rnd(180)}.${rnd(256)}.${rnd(256)}`;
      for (let i = 0; i < 95_000; i++) added.push(decision(`${v4()}.${1 + rnd(254)}`, 'ban', 60_000 + rnd(600_000)));
      for (let i = 0; i < 3000; i++)
        added.push(decision(`2001:db8:${rnd(65535).toString(16)}::${(1 + rnd(65534)).toString(16)}`, 'deceive'));
      for (let i = 0; i < 1500; i++) added.push(decision(`${v4()}.0/24`, 'ban', 60_000 + rnd(600_000)));
      for (let i = 0; i < 300; i++) added.push(decision(`${11 + rnd(180)}.${rnd(256)}.0.0/16`, 'ban'));
      for (let i = 0; i < 199; i++) added.push(decision(`2001:db8:${rnd(65535).toString(16)}::/48`, 'reflect'));
      added.push(decision(LAB.attacker, 'deceive'));
      assert.equal(added.length, 100_000);
      const writes = () =>
        calls.filter((c) => (c.cmd === 'nft' && c.args[0] === '-f') || (c.cmd === 'ipset' && c.args[0] === 'restore'))
          .length;
      const w0 = writes();
      const t0 = performance.now();
      const r = await apply(added, [], true);
      const ms = performance.now() - t0;
      const d = r.decisions;
      console.log(
        `# ${backend}: 100k decisions in ${ms.toFixed(0)} ms (ban ${d.ban}, deceive ${d.deceive}, reflect ${d.reflect})`,
      );
      assert.equal(writes() - w0, 1, 'one set transaction');
      assert.equal(r.rejected, 0);
      assert.ok(r.decisions.ban > 90_000);
      assert.ok(ms < 15_000, `took ${ms} ms`);
      assert.equal(word(await attacker.get(P, 2121)), 'SANDBOX');
      assert.equal(word(await client.get(P, 2121)), 'REAL');
      // An incremental update on top of the full sets stays quick.
      const t1 = performance.now();
      await apply([], [added[added.length - 1] as DecisionView]);
      console.log(`# ${backend}: one removal with 100k live took ${(performance.now() - t1).toFixed(0)} ms`);
      assert.equal(word(await attacker.get(P, 2121)), 'REAL');
      await apply([], [], true);
    });

    it('a restart after a crash replaces the stale rules; close() then removes everything', async () => {
      await apply([decision(LAB.attacker, 'deceive')]);
      // Simulated crash: the first enforcer is abandoned without close(); a new one starts.
      enforcer = await createEnforcer(cfg, { runner: run });
      assert.equal(word(await attacker.get(P, 2121)), 'REAL', 'fresh start: no stale decision');
      await apply([decision(LAB.attacker, 'deceive')]);
      assert.equal(word(await attacker.get(P, 2121)), 'SANDBOX');
      await enforcer.close();
      enforcer = undefined;
      // A crashed run cannot restore ip_forward; the restarted one did not change it.
      await run('sysctl', ['-w', 'net.ipv4.ip_forward=0']);
      assert.equal(await snapshot(run), before0);
      assert.equal(word(await attacker.get(P, 2121)), 'REAL');
      assert.equal(word(await client.get(P, 2124)), 'REAL');
    });

    it("honeypot on 'all' ports: everything but except_ports and management goes to the sandbox", async () => {
      enforcer = await createEnforcer(
        {
          backend,
          protect: [{ port: 'all', protocol: 'tcp', mode: 'honeypot', sandbox: LAB.sandbox, except_ports: [2121] }],
          whitelist: [],
          management: [LAB.client2],
        },
        { runner: run },
      );
      assert.equal(word(await attacker.get(P, 2122)), 'SANDBOX');
      assert.equal(word(await client.get(P, 2123)), 'SANDBOX');
      assert.equal(word(await attacker.get(P, 2121)), 'REAL', 'except_ports');
      assert.equal(word(await client.get(P, 2122, { local: LAB.client2 })), 'REAL', 'management source');
      await apply([decision(LAB.attacker, 'ban')]);
      assert.equal(word(await attacker.get(P, 2122, FAST)), 'timeout', 'ban beats the honeypot');
      await enforcer.close();
      enforcer = undefined;
      assert.equal(await snapshot(run), before0);
    });
  });
}
