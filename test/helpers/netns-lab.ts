/**
 * The deception lab for enforcement and end-to-end tests, built from netns.ts:
 *
 *   attacker 10.77.0.2 ── 10.77.0.1 ┐
 *   client   10.77.0.3 ── 10.77.0.1 ┴ [protected] 10.77.1.1 ── 10.77.1.2 sandbox
 *           (+10.77.0.4, a second source for whitelist checks)
 *
 * `serveWord(ns, ports, word)` starts a tiny TCP server answering `word\n` on connect and on
 * every line received; `probe(ns)` is a long-lived client inside a namespace that connects on
 * request (`get`), keeps connections open (`hold`) and checks them later (`poke`).
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { addAddress, createNetns, type Netns, veth } from './netns.ts';

export const LAB = {
  protected: '10.77.0.1',
  attacker: '10.77.0.2',
  client: '10.77.0.3',
  client2: '10.77.0.4',
  protectedSandboxSide: '10.77.1.1',
  sandbox: '10.77.1.2',
} as const;

export interface Lab {
  attacker: Netns;
  client: Netns;
  protected: Netns;
  sandbox: Netns;
  destroy(): Promise<void>;
}

export async function createLab(): Promise<Lab> {
  const made: Netns[] = [];
  try {
    const mk = async (role: string) => {
      const ns = await createNetns(role);
      made.push(ns);
      return ns;
    };
    const [p, a, c, s] = [await mk('prot'), await mk('atk'), await mk('cli'), await mk('sbx')];
    // Point-to-point links (no bridge: br_netfilter would bridge a reflected packet back out of
    // the port it came from, which a bridge refuses). 10.77.0.1 is the protected side of both.
    for (const [ns, ifName, addrs] of [
      [a, 'eth-a', [LAB.attacker]],
      [c, 'eth-c', [LAB.client, LAB.client2]],
    ] as const) {
      await veth(p, ifName, ns, 'eth0');
      await p.must('ip', ['addr', 'add', LAB.protected, 'peer', addrs[0], 'dev', ifName]);
      for (const extra of addrs.slice(1)) await p.must('ip', ['route', 'add', extra, 'dev', ifName]);
      for (const addr of addrs) await ns.must('ip', ['addr', 'add', `${addr}/32`, 'dev', 'eth0']);
      await ns.must('ip', ['route', 'add', LAB.protected, 'dev', 'eth0']);
    }
    await veth(p, 'eth-s', s, 'eth0');
    await addAddress(p, 'eth-s', `${LAB.protectedSandboxSide}/24`);
    await addAddress(s, 'eth0', `${LAB.sandbox}/24`);
    for (const ns of [a, c]) await ns.must('ip', ['route', 'add', 'default', 'via', LAB.protected]);
    await s.must('ip', ['route', 'add', 'default', 'via', LAB.protectedSandboxSide]);
    return {
      protected: p,
      attacker: a,
      client: c,
      sandbox: s,
      destroy: async () => {
        await Promise.all(made.map((n) => n.destroy()));
      },
    };
  } catch (err) {
    await Promise.all(made.map((n) => n.destroy()));
    throw err;
  }
}

const SERVER = `
const net = require('node:net');
const [word, ...ports] = process.argv.slice(1);
let ready = 0;
for (const p of ports) {
  const s = net.createServer((c) => {
    c.on('error', () => {});
    c.write(word + '\\n');
    c.on('data', () => c.write(word + '\\n'));
  });
  s.listen(Number(p), '0.0.0.0', () => { if (++ready === ports.length) console.log('ready'); });
}`;

function firstLine(child: ChildProcess, match: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${match}" within ${timeoutMs} ms`)), timeoutMs);
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      if (l.trim() === match) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

/** Starts a TCP server in `ns` answering `word` on each port; resolves once it listens. */
export async function serveWord(ns: Netns, ports: number[], word: string): Promise<ChildProcess> {
  const child = ns.spawn(process.execPath, ['-e', SERVER, word, ...ports.map(String)]);
  await firstLine(child, 'ready', 10_000);
  return child;
}

const PROBE = `
const net = require('node:net');
const held = new Map();
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  const reply = (r) => process.stdout.write(JSON.stringify({ id: m.id, ...r }) + '\\n');
  if (m.op === 'get' || m.op === 'hold') {
    const s = net.connect({ host: m.host, port: m.port, localAddress: m.local });
    let buf = '';
    let done = false;
    const fin = (r) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      if (m.op === 'hold' && r.result === 'ok') held.set(m.id, s); else s.destroy();
      reply(r);
    };
    const t = setTimeout(() => fin({ result: 'timeout' }), m.timeout);
    s.on('data', (d) => { buf += d; if (buf.includes('\\n')) fin({ result: 'ok', word: buf.split('\\n')[0] }); });
    s.on('error', (e) => fin({ result: 'error', code: e.code }));
    s.on('close', () => fin({ result: 'closed' }));
  } else if (m.op === 'poke') {
    const s = held.get(m.ref);
    if (!s || s.destroyed) return reply({ result: 'cut' });
    let done = false;
    const fin = (r) => { if (done) return; done = true; clearTimeout(t); s.off('data', onData); reply(r); };
    const onData = () => fin({ result: 'alive' });
    const t = setTimeout(() => fin({ result: 'silent' }), m.timeout);
    s.on('data', onData);
    s.once('error', () => fin({ result: 'cut' }));
    s.once('close', () => fin({ result: 'cut' }));
    s.write('ping\\n');
  }
});
console.log(JSON.stringify({ id: 0, ready: true }));`;

export type ProbeResult = { result: 'ok'; word: string } | { result: 'timeout' | 'error' | 'closed'; code?: string };

export interface Probe {
  /** Connects, returns the first line (or how it failed) and closes. */
  get(host: string, port: number, opts?: { local?: string; timeoutMs?: number }): Promise<ProbeResult>;
  /** Connects and keeps the connection; returns a handle for poke(). */
  hold(host: string, port: number, opts?: { timeoutMs?: number }): Promise<{ ref: number; first: ProbeResult }>;
  /** Writes a line on a held connection: 'alive' (answered), 'cut' (reset/closed) or 'silent'. */
  poke(ref: number, timeoutMs?: number): Promise<'alive' | 'cut' | 'silent'>;
}

/** A long-lived TCP client inside `ns` (one node process for many connections). */
export async function probe(ns: Netns): Promise<Probe> {
  const child = ns.spawn(process.execPath, ['-e', PROBE]);
  const waiters = new Map<number, (r: any) => void>();
  let seq = 0;
  const ready = new Promise<void>((resolve) => waiters.set(0, () => resolve()));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const m = JSON.parse(l);
    waiters.get(m.id)?.(m);
    waiters.delete(m.id);
  });
  const send = (msg: object): Promise<any> => {
    const id = ++seq;
    return new Promise((resolve) => {
      waiters.set(id, resolve);
      child.stdin!.write(`${JSON.stringify({ id, ...msg })}\n`);
    });
  };
  await ready;
  return {
    async get(host, port, opts = {}) {
      const { id: _id, ...r } = await send({
        op: 'get',
        host,
        port,
        local: opts.local,
        timeout: opts.timeoutMs ?? 2000,
      });
      return r;
    },
    async hold(host, port, opts = {}) {
      const r = await send({ op: 'hold', host, port, timeout: opts.timeoutMs ?? 2000 });
      const { id, ...first } = r;
      return { ref: id, first };
    },
    async poke(ref, timeoutMs = 2000) {
      return (await send({ op: 'poke', ref, timeout: timeoutMs })).result;
    },
  };
}
