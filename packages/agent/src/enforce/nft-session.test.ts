/**
 * Unit tests of the long-lived `nft -i` session and of the nft driver's choice between it and
 * `nft -f -`, against a fake child that answers like nft 1.0.6 does (errors and the sentinel's
 * syntax error on stderr, nothing on success). The real nft is exercised by the conformance suite
 * (test/agent/enforce-nft.test.ts).
 */
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createNftDriver, SESSION_MAX_BYTES } from './nft-backend.ts';
import { AckParser, createNftSession, sessionLine } from './nft-session.ts';
import { buildPlan } from './plan.ts';
import type { CommandResult, CommandRunner } from './types.ts';

const syntaxError = (line: string) =>
  `Error: syntax error, unexpected newline, expecting string\n${line}\n${' '.repeat(line.length)}^\n`;

interface Fake {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  env: NodeJS.ProcessEnv | undefined;
  exit(code: number): void;
}

/** A child that behaves like `nft -i`: `answer` decides per transaction line (null = no answer). */
function fakeNft(env: NodeJS.ProcessEnv | undefined, answer: (line: string) => string | null = () => ''): Fake {
  const proc = Object.assign(new EventEmitter(), {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    exitCode: null as number | null,
    signalCode: null as string | null,
    kill(sig: string) {
      proc.signalCode = sig;
      setImmediate(() => proc.emit('exit', null, sig));
      return true;
    },
  });
  const f: Fake = {
    proc: proc as unknown as ChildProcessWithoutNullStreams,
    lines: [],
    env,
    exit(code) {
      proc.exitCode = code;
      proc.emit('exit', code, null);
    },
  };
  let buf = '';
  let silent = false;
  proc.stdin.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      f.lines.push(line);
      if (line.startsWith('kyoka-ack-')) {
        if (silent) continue;
        // written in small pieces, as unbuffered stderr does
        for (const piece of syntaxError(line).match(/[\s\S]{1,7}/g) ?? []) proc.stderr.write(piece);
        continue;
      }
      const out = answer(line);
      silent = out === null;
      if (out) proc.stderr.write(out);
    }
  });
  proc.stdin.on('finish', () => setImmediate(() => f.exit(0)));
  return f;
}

function opener(answer?: (line: string) => string | null) {
  const children: Fake[] = [];
  const open = (_cmd: string, _args: string[], env?: NodeJS.ProcessEnv) => {
    const f = fakeNft(env, answer);
    children.push(f);
    return f.proc;
  };
  return { children, open };
}

test('AckParser: per-transaction output, sentinel header and carets removed, any chunking', () => {
  const err = 'Error: Could not process rule: No such file or directory\nadd element inet t s { 1.2.3.4 }\n   ^^^^^\n';
  const text = `${syntaxError('kyoka-ack-1')}${err}${syntaxError('kyoka-ack-2')}${syntaxError('kyoka-ack-3')}`;
  for (const size of [1, 5, 64, text.length]) {
    const got: Array<[number, string[]]> = [];
    const p = new AckParser((n, lines) => got.push([n, lines]));
    for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size));
    assert.deepEqual(got, [
      [1, []],
      [2, err.trimEnd().split('\n')],
      [3, []],
    ]);
  }
});

test('sessionLine: one line, commands separated by ;', () => {
  assert.equal(
    sessionLine('flush set inet k a\nadd element inet k a { 1.2.3.4 }\n'),
    'flush set inet k a; add element inet k a { 1.2.3.4 }',
  );
  assert.equal(sessionLine(''), '');
});

test('one child answers many transactions; errors fail only their transaction; no history file', async () => {
  const o = opener((line) => (line.includes('6.6.6.6') ? 'Error: Could not process rule: File exists\nx\n^\n' : ''));
  const s = createNftSession({ open: o.open });
  const ok = await s.run('add element inet k ban4 { 1.1.1.1 timeout 1000ms }\n');
  assert.deepEqual(ok, { code: 0, stdout: '', stderr: '' });
  const bad = await s.run(
    'add element inet k ban4 { 6.6.6.6 timeout 1000ms }\ndelete element inet k ban4 { 6.6.6.6 }\n',
  );
  assert.equal(bad.code, 1);
  assert.equal(bad.broken, undefined);
  assert.match(bad.stderr, /^Error: Could not process rule: File exists/);
  assert.equal((await s.run('add element inet k ban4 { 2.2.2.2 timeout 1000ms }')).code, 0);
  assert.equal(o.children.length, 1);
  assert.equal(o.children[0]?.env?.HOME, '/nonexistent');
  assert.deepEqual(o.children[0]?.lines, [
    'add element inet k ban4 { 1.1.1.1 timeout 1000ms }',
    'kyoka-ack-1',
    'add element inet k ban4 { 6.6.6.6 timeout 1000ms }; delete element inet k ban4 { 6.6.6.6 }',
    'kyoka-ack-2',
    'add element inet k ban4 { 2.2.2.2 timeout 1000ms }',
    'kyoka-ack-3',
  ]);
  assert.equal(s.transactions, 3);
  await s.close();
  assert.equal((await s.run('add element inet k ban4 { 3.3.3.3 }')).broken, true, 'closed');
});

test('a child that dies or hangs fails its transaction as broken; the next one gets a new child', async () => {
  const o = opener((line) => (line.includes('9.9.9.9') ? null : ''));
  const s = createNftSession({ open: o.open, timeoutMs: 200 });
  const hung = await s.run('add element inet k ban4 { 9.9.9.9 }');
  assert.equal(hung.broken, true);
  assert.match(hung.stderr, /no answer in 200 ms/);
  assert.equal(o.children[0]?.proc.signalCode, 'SIGKILL');
  const p = s.run('add element inet k ban4 { 9.9.9.9 }');
  setImmediate(() => o.children[1]?.exit(1));
  const died = await p;
  assert.equal(died.broken, true);
  assert.match(died.stderr, /exited/);
  assert.equal((await s.run('add element inet k ban4 { 1.1.1.1 }')).code, 0);
  assert.equal(o.children.length, 3);
  await s.close();
});

test('the child is replaced after recycleBytes of input', async () => {
  const o = opener();
  const s = createNftSession({ open: o.open, recycleBytes: 100 });
  for (let i = 0; i < 6; i++)
    assert.equal((await s.run(`add element inet k ban4 { 1.1.1.${i} timeout 1000ms }`)).code, 0);
  assert.ok(o.children.length >= 2, `children: ${o.children.length}`);
  assert.ok(o.children.every((c) => c.lines.join('\n').length < 200));
  await s.close();
});

function runnerWithSession(answer?: (line: string) => string | null) {
  const spawned: string[] = [];
  const o = opener(answer);
  const run = Object.assign(
    async (cmd: string, args: string[], opts: { input?: string } = {}): Promise<CommandResult> => {
      if (cmd === 'nft' && args[0] === '-f') spawned.push(opts.input ?? '');
      return { code: 0, stdout: '', stderr: '' };
    },
    { open: o.open },
  ) satisfies CommandRunner;
  const plan = buildPlan({
    backend: 'nftables',
    protect: [{ port: 22, protocol: 'tcp', mode: 'firewall' }],
    whitelist: [],
    management: [],
  });
  const driver = createNftDriver({ table: 'kyoka', plan, allow4: [], allow6: [], run, log: () => {} });
  return { spawned, children: o.children, driver };
}

const diff = (n: number, from = 0) => [
  {
    set: 'ban4' as const,
    del: [],
    add: Array.from(
      { length: n },
      (_, i) => [`10.0.${(from + i) >> 8}.${(from + i) & 255}`, 60_000] as [string, number],
    ),
  },
];

test('nft driver: small updates through the session, large ones and install/remove through nft -f', async () => {
  const t = runnerWithSession();
  await t.driver.install();
  assert.equal(t.spawned.length, 1, 'install');
  assert.equal(t.children.length, 1, 'session started at install');
  await t.driver.write(diff(3), false, () => new Map(), 0);
  assert.equal(t.spawned.length, 1);
  assert.match(t.children[0]?.lines[0] ?? '', /^add element inet kyoka ban4 \{ 10\.0\.0\.0 timeout 60000ms, /);
  await t.driver.write(diff(200), false, () => new Map(), 0);
  assert.equal(t.spawned.length, 2, 'a script over SESSION_MAX_BYTES spawns');
  assert.ok((t.spawned[1]?.length ?? 0) > SESSION_MAX_BYTES);
  await t.driver.remove();
  assert.equal(t.spawned.length, 3);
  assert.match(t.spawned[2] ?? '', /delete table inet kyoka/);
});

test('nft driver: a kernel refusal fails the write; a broken session falls back to nft -f, then is dropped', async () => {
  const t = runnerWithSession((line) =>
    line.includes('10.0.0.0') ? 'Error: Could not process rule: Invalid argument\n' : null,
  );
  await t.driver.install();
  await assert.rejects(
    t.driver.write(diff(1), false, () => new Map(), 0),
    /nft set update failed \(exit 1\): Error: Could not/,
  );
  assert.equal(t.spawned.length, 1, 'a refused transaction is not retried');
  // The fake now never answers other lines: each write waits for the session's 30 s timeout, so
  // break the children instead: kill them as soon as a transaction is written.
  for (let i = 0; i < 3; i++) {
    const w = t.driver.write(diff(1, 10 + i), false, () => new Map(), 0);
    setTimeout(() => t.children[t.children.length - 1]?.exit(1), 5);
    await w;
    assert.equal(t.spawned.length, 2 + i, 'fell back to nft -f');
  }
  const before = t.children.length;
  await t.driver.write(diff(1, 20), false, () => new Map(), 0);
  assert.equal(t.children.length, before, 'session disabled after 3 failures');
  assert.equal(t.spawned.length, 5);
});
