/**
 * Unit tests of the enforcer core with a fake CommandRunner: backend choice, one transaction per
 * apply, failed transactions leave state intact and are counted, applies are serialised,
 * conntrack cuts, forwarding and close().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionView } from '@kyoka/link';
import { createEnforcer } from './enforcer.ts';
import type { CommandResult, EnforceConfig } from './types.ts';

interface Call {
  cmd: string;
  args: string[];
  input: string;
}

function fakeRunner(fail: (c: Call) => boolean = () => false) {
  const calls: Call[] = [];
  const runner = async (cmd: string, args: string[], opts: { input?: string } = {}): Promise<CommandResult> => {
    const c = { cmd, args, input: opts.input ?? '' };
    calls.push(c);
    await new Promise((r) => setImmediate(r));
    if (fail(c)) return { code: 1, stdout: '', stderr: 'Error: Could not process rule: No such file or directory' };
    if (cmd === 'ip') return { code: 0, stdout: JSON.stringify([{ addr_info: [{ local: '10.0.0.1' }] }]), stderr: '' };
    if (cmd === 'sysctl' && args[0] === '-n') return { code: 0, stdout: '0\n', stderr: '' };
    if (cmd === 'conntrack' && args[0] === '-L')
      return {
        code: 0,
        stdout:
          args[2] === 'ipv4'
            ? 'tcp      6 431999 ESTABLISHED src=5.5.5.5 dst=10.0.0.1 sport=40000 dport=21 src=10.0.0.1 dst=5.5.5.5 sport=21 dport=40000 [ASSURED] mark=0 use=1\n' +
              'tcp      6 431999 ESTABLISHED src=6.6.1.2 dst=10.0.0.1 sport=40001 dport=21 src=10.0.0.1 dst=6.6.1.2 sport=21 dport=40001 [ASSURED] mark=0 use=1\n' +
              'tcp      6 431999 ESTABLISHED src=7.7.7.7 dst=10.0.0.1 sport=40002 dport=21 src=10.0.0.1 dst=7.7.7.7 sport=21 dport=40002 [ASSURED] mark=0 use=1\n'
            : '',
        stderr: '',
      };
    return { code: 0, stdout: '', stderr: '' };
  };
  return { calls, runner, nft: () => calls.filter((c) => c.cmd === 'nft' && c.args[0] === '-f') };
}

let n = 0;
const d = (value: string, type: string, remaining_ms = 60_000) =>
  ({ id: ++n, uuid: `u${n}`, value, type, remaining_ms }) as unknown as DecisionView;

const cfg: EnforceConfig = {
  backend: 'auto',
  protect: [{ port: 21, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.9' }],
  whitelist: ['10.0.0.0/29'],
  management: [],
};

test('auto picks nftables when nft works; one nft -f per apply; remote sandbox enables forwarding', async () => {
  const f = fakeRunner();
  const e = await createEnforcer(cfg, { runner: f.runner });
  assert.equal(e.backend, 'nftables');
  assert.ok(f.calls.some((c) => c.cmd === 'sysctl' && c.args.join(' ') === '-w net.ipv4.ip_forward=1'));
  assert.match(f.nft()[0]?.input ?? '', /^add table inet kyoka\ndelete table inet kyoka\n/);
  const before = f.nft().length;
  const first = d('1.2.3.4', 'deceive');
  const r = await e.apply({ reset: false, added: [first, d('bad', 'deceive')], removed: [] });
  assert.equal(r.ok, true);
  assert.equal(r.rejected, 1);
  assert.equal(f.nft().length - before, 1);
  assert.equal(f.nft().at(-1)?.input, `add element inet kyoka deceive4 { 1.2.3.4 timeout 60000ms }\n`);
  // Idempotent: the same decision again writes nothing.
  const again = await e.apply({ reset: false, added: [first], removed: [] });
  assert.equal(again.ok, true);
  assert.equal(f.nft().length - before, 1);
  await e.close();
  assert.equal(f.nft().at(-1)?.input, 'add table inet kyoka\ndelete table inet kyoka\n');
  assert.ok(
    f.calls.some((c) => c.cmd === 'sysctl' && c.args.join(' ') === '-w net.ipv4.ip_forward=0'),
    'forwarding restored',
  );
});

test('auto falls back to iptables + ipset when nft does not work', async () => {
  const f = fakeRunner((c) => c.cmd === 'nft');
  const e = await createEnforcer(cfg, { runner: f.runner });
  assert.equal(e.backend, 'iptables');
  assert.ok(
    f.calls.some((c) => c.cmd === 'ipset' && c.args[0] === 'restore' && c.input.includes('create kyoka-ban4 hash:net')),
  );
  assert.ok(f.calls.some((c) => c.cmd === 'iptables-restore' && c.input.includes('-I PREROUTING 1 -j KYOKA-PRE')));
  await e.close();
});

test('a failed transaction is counted and leaves the previous state: the next apply retries the same diff', async () => {
  let failNext = false;
  const f = fakeRunner((c) => failNext && c.cmd === 'nft' && c.args[0] === '-f');
  const e = await createEnforcer({ ...cfg, backend: 'nftables' }, { runner: f.runner });
  await e.apply({ reset: false, added: [d('1.1.1.1', 'ban')], removed: [] });
  failNext = true;
  const bad = await e.apply({ reset: false, added: [d('2.2.2.2', 'ban')], removed: [] });
  assert.equal(bad.ok, false);
  assert.match(bad.error ?? '', /No such file/);
  assert.equal(e.stats().errors, 1);
  assert.deepEqual(e.stats().decisions, { ban: 1, deceive: 0, reflect: 0 });
  failNext = false;
  const ok = await e.apply({ reset: false, added: [d('2.2.2.2', 'ban')], removed: [] });
  assert.equal(ok.ok, true);
  assert.equal(f.nft().at(-1)?.input, 'add element inet kyoka ban4 { 2.2.2.2 timeout 60000ms }\n');
  await e.close();
});

test('applies are serialised in call order', async () => {
  const f = fakeRunner();
  const e = await createEnforcer({ ...cfg, backend: 'nftables' }, { runner: f.runner });
  const a = d('3.3.3.3', 'ban');
  await Promise.all([
    e.apply({ reset: false, added: [a], removed: [] }),
    e.apply({ reset: false, added: [], removed: [a] }),
    e.apply({ reset: false, added: [d('4.4.4.4', 'ban')], removed: [] }),
  ]);
  const updates = f
    .nft()
    .slice(1)
    .map((c) => c.input);
  assert.match(updates[0] ?? '', /^add element inet kyoka ban4 \{ 3\.3\.3\.3 /);
  assert.match(updates[1] ?? '', /delete element inet kyoka ban4 \{ 3\.3\.3\.3 \}/);
  assert.match(updates[2] ?? '', /4\.4\.4\.4/);
  assert.equal(e.stats().applies, 3);
  await e.close();
});

test('one or two new addresses get their connections cut directly (not whitelisted ones); CIDRs too', async () => {
  const f = fakeRunner();
  const e = await createEnforcer({ ...cfg, backend: 'nftables' }, { runner: f.runner });
  const r = await e.apply({
    reset: false,
    added: [d('6.6.0.0/16', 'ban'), d('10.0.0.2', 'ban'), d('2001:db8::7', 'ban')],
    removed: [],
  });
  assert.equal(r.cut, 2);
  await e.close();
  const cuts = f.calls.filter((c) => c.cmd === 'conntrack').map((c) => c.args.join(' '));
  assert.deepEqual(cuts.sort(), [
    '-D -f ipv6 -s 2001:db8::7 --mark 0/0x40000000',
    '-D -s 6.6.0.0/16 --mark 0/0x40000000',
  ]);
});

test('a burst of new addresses: one listing, deletes only for sources that have connections', async () => {
  const f = fakeRunner();
  const e = await createEnforcer({ ...cfg, backend: 'nftables' }, { runner: f.runner });
  const added = [d('5.5.5.5', 'deceive'), d('6.6.0.0/16', 'ban'), d('8.8.8.8', 'ban'), d('9.9.9.9', 'ban')];
  assert.equal((await e.apply({ reset: false, added, removed: [] })).cut, 4);
  await e.close();
  const cuts = f.calls.filter((c) => c.cmd === 'conntrack').map((c) => c.args.join(' '));
  // IPv4 only (no IPv6 decision); 7.7.7.7 has a connection but no decision; 8.8.8.8/9.9.9.9 have none
  assert.deepEqual(cuts, ['-L -f ipv4', '-D -s 5.5.5.5 --mark 0/0x40000000', '-D -s 6.6.1.2 --mark 0/0x40000000']);
});

test('a decision value never reaches nft unless it parsed as an address', async () => {
  const f = fakeRunner();
  const e = await createEnforcer({ ...cfg, backend: 'nftables' }, { runner: f.runner });
  const evil = [
    '1.2.3.4 }; flush ruleset; add element inet kyoka ban4 { 9.9.9.9',
    '1.2.3.4\nflush ruleset',
    '$(reboot)',
  ];
  const r = await e.apply({ reset: false, added: evil.map((v) => d(v, 'ban')), removed: [] });
  assert.equal(r.rejected, 3);
  assert.ok(!f.calls.some((c) => c.input.includes('flush ruleset') || c.args.some((a) => a.includes('reboot'))));
  await e.close();
});
