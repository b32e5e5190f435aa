/**
 * Unit tests of the conntrack cutter's scheduling: a lone address is cut at once; addresses that
 * arrive while a round runs are coalesced into the next round (one listing), which starts no
 * sooner than the configured gap after the previous one ended.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNet } from './addresses.ts';
import { createCutter } from './conntrack.ts';
import type { CommandResult } from './types.ts';

const LIST =
  'tcp      6 431999 ESTABLISHED src=5.5.5.5 dst=10.0.0.1 sport=40000 dport=21 src=10.0.0.1 dst=5.5.5.5 sport=21 dport=40000 [ASSURED] mark=0 use=1\n';

function fake() {
  const calls: Array<{ args: string; at: number }> = [];
  const run = async (_cmd: string, args: string[]): Promise<CommandResult> => {
    calls.push({ args: args.join(' '), at: performance.now() });
    await new Promise((r) => setTimeout(r, 20)); // a process takes a while
    return { code: args[0] === '-L' ? 0 : 1, stdout: args[0] === '-L' && args[2] === 'ipv4' ? LIST : '', stderr: '' };
  };
  return { calls, run };
}

const nets = (...xs: string[]) => xs.map((x) => parseNet(x) as NonNullable<ReturnType<typeof parseNet>>);

test('a lone address is cut at once with one delete', async () => {
  const f = fake();
  const c = createCutter(f.run, () => {}, parseNet, 1000);
  const t0 = performance.now();
  c.cut(nets('1.1.1.1'));
  await c.idle();
  assert.deepEqual(
    f.calls.map((x) => x.args),
    ['-D -s 1.1.1.1 --mark 0/0x40000000'],
  );
  assert.ok((f.calls[0]?.at ?? Number.POSITIVE_INFINITY) - t0 < 500, 'not delayed by the gap');
});

test('cuts queued during a round are coalesced into one listing after the gap', async () => {
  const f = fake();
  const c = createCutter(f.run, () => {}, parseNet, 150);
  c.cut(nets('1.1.1.1'));
  await new Promise((r) => setTimeout(r, 5)); // the first round is running
  c.cut(nets('5.5.5.5'));
  c.cut(nets('6.6.6.6'));
  c.cut(nets('7.7.7.7'));
  await c.idle();
  assert.deepEqual(
    f.calls.map((x) => x.args),
    ['-D -s 1.1.1.1 --mark 0/0x40000000', '-L -f ipv4', '-D -s 5.5.5.5 --mark 0/0x40000000'],
  );
  const firstEnd = (f.calls[0]?.at ?? 0) + 20;
  assert.ok((f.calls[1]?.at ?? 0) - firstEnd >= 140, 'second round waits for the gap');
  assert.deepEqual(c.counts, { cut: 0, skipped: 0, errors: 0 });
});

test('with the /proc table: no conntrack process to find sources, deletes only for those with undiverted entries', async () => {
  const f = fake();
  const proc =
    'ipv4     2 tcp      6 431999 ESTABLISHED src=5.5.5.5 dst=10.0.0.1 sport=40000 dport=21 src=10.0.0.1 dst=5.5.5.5 sport=21 dport=40000 [ASSURED] mark=0 zone=0 use=2\n' +
    'ipv6     10 tcp      6 431999 ESTABLISHED src=2001:0db8:0000:0000:0000:0000:0000:0007 dst=2001:0db8:0000:0000:0000:0000:0000:0001 sport=40000 dport=21 src=2001:0db8:0000:0000:0000:0000:0000:0001 dst=2001:0db8:0000:0000:0000:0000:0000:0007 sport=21 dport=40000 [ASSURED] mark=0 zone=0 use=2\n' +
    'ipv4     2 udp      17 20 src=6.6.1.2 dst=10.0.0.1 sport=5353 dport=53 [UNREPLIED] src=10.0.0.1 dst=6.6.1.2 sport=53 dport=5353 mark=0 zone=0 use=2\n' +
    // 4.4.4.4 only has a flow already sent to the sandbox (our connmark bit): nothing to cut.
    'ipv4     2 tcp      6 431999 ESTABLISHED src=4.4.4.4 dst=10.0.0.1 sport=40001 dport=21 src=10.0.1.2 dst=10.0.1.1 sport=21 dport=40001 [ASSURED] mark=1073741825 zone=0 use=2\n';
  let reads = 0;
  const run = Object.assign(f.run, {
    readConntrack: async () => {
      reads++;
      return proc;
    },
  });
  const c = createCutter(run, () => {}, parseNet, 0);
  c.cut(nets('1.1.1.1')); // a lone address without entries: no process at all
  await c.idle();
  assert.equal(f.calls.length, 0);
  c.cut(nets('5.5.5.5', '2001:db8::7', '6.6.0.0/16', '9.9.9.9', '4.4.4.4'));
  await c.idle();
  assert.deepEqual(f.calls.map((x) => x.args).sort(), [
    '-D -f ipv6 -s 2001:db8::7 --mark 0/0x40000000',
    '-D -s 5.5.5.5 --mark 0/0x40000000',
    '-D -s 6.6.1.2 --mark 0/0x40000000',
  ]);
  assert.equal(reads, 2);
});

test('an unreadable /proc table falls back to conntrack -L / -D', async () => {
  const f = fake();
  const c = createCutter(Object.assign(f.run, { readConntrack: async () => null }), () => {}, parseNet, 0);
  c.cut(nets('1.1.1.1'));
  await c.idle();
  c.cut(nets('5.5.5.5', '8.8.8.8', '9.9.9.9'));
  await c.idle();
  assert.deepEqual(
    f.calls.map((x) => x.args),
    ['-D -s 1.1.1.1 --mark 0/0x40000000', '-L -f ipv4', '-D -s 5.5.5.5 --mark 0/0x40000000'],
  );
});
