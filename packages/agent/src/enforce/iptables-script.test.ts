/** Unit tests: iptables-restore and ipset restore scripts (install, reflect chain, removal). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipsetUpdateScript, iptNames, iptReflectScript, iptRemoveScript, iptRulesScript } from './iptables-script.ts';
import { buildPlan } from './plan.ts';
import { validateEnforceConfig } from './schema.ts';

const names = iptNames('kyoka');
const plan = buildPlan(
  validateEnforceConfig({
    protect: [
      { port: 21, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.9' },
      { port: 6000, protocol: 'tcp', mode: 'reflect' },
      { port: 'all', protocol: 'tcp', mode: 'honeypot', sandbox: '10.0.0.9:2121', except_ports: [22, 80] },
    ],
    management: ['192.0.2.1'],
  }),
);

test('rules: one jump per built-in chain, allow first, DNAT marked, reflected networks dropped', () => {
  const { script } = iptRulesScript(names, plan, 4);
  const lines = script.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('-I ')),
    [
      '-I PREROUTING 1 -j KYOKA-PRE',
      '-I PREROUTING 1 -j KYOKA-PRE',
      '-I POSTROUTING 1 -j KYOKA-POST',
      '-I FORWARD 1 -j KYOKA-FWD',
    ],
  );
  assert.equal(
    lines[lines.indexOf(':KYOKA-PRE - [0:0]') + 2],
    '-A KYOKA-PRE -m set --match-set kyoka-allow4 src -j RETURN',
  );
  assert.ok(
    lines.includes(
      '-A KYOKA-PRE -m addrtype --dst-type LOCAL -p tcp --dport 21 -m set --match-set kyoka-deceive4 src -j DNAT --to-destination 10.0.0.9',
    ),
  );
  assert.ok(
    lines.includes(
      '-A KYOKA-PRE -m addrtype --dst-type LOCAL -p tcp --dport 6000 -m set --match-set kyoka-reflect4 src -j KYOKA-RFL',
    ),
  );
  assert.ok(
    lines.includes(
      '-A KYOKA-PRE -m addrtype --dst-type LOCAL -p tcp --dport 6000 -m set --match-set kyoka-reflect4n src -j DROP',
    ),
  );
  assert.ok(
    lines.includes(
      '-A KYOKA-PRE -m addrtype --dst-type LOCAL -p tcp -m multiport ! --dports 22,80 -j DNAT --to-destination 10.0.0.9:2121',
    ),
  );
  assert.ok(
    !iptRulesScript(names, plan, 6).script.includes('DNAT --to-destination 10.0.0.9'),
    'no IPv4 sandbox in ip6tables',
  );
});

test('reflect chain: one DNAT-to-itself rule per host, capped', () => {
  assert.equal(
    iptReflectScript(names, ['1.2.3.4']),
    '*nat\n:KYOKA-RFL - [0:0]\n-A KYOKA-RFL -s 1.2.3.4 -j DNAT --to-destination 1.2.3.4\nCOMMIT\n',
  );
  const many = Array.from({ length: 5000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
  assert.equal(
    iptReflectScript(names, many)
      .split('\n')
      .filter((l) => l.startsWith('-A')).length,
    4096,
  );
});

test('removal deletes only our jumps and chains, found in iptables-save output', () => {
  const saved = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':KYOKA-PRE - [0:0]',
    ':KYOKA-RFL - [0:0]',
    '-A PREROUTING -j KYOKA-PRE',
    '-A PREROUTING -i lo -j RETURN',
    '-A KYOKA-PRE -p tcp -j KYOKA-RFL',
    'COMMIT',
    '*filter',
    ':FORWARD ACCEPT [0:0]',
    '-A FORWARD -j DOCKER',
    'COMMIT',
  ].join('\n');
  assert.equal(
    iptRemoveScript(names, saved),
    '*nat\n-D PREROUTING -j KYOKA-PRE\n-F KYOKA-PRE\n-F KYOKA-RFL\n-X KYOKA-PRE\n-X KYOKA-RFL\nCOMMIT\n',
  );
  assert.equal(iptRemoveScript(names, '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n'), '');
});

test('ipset: incremental del/add with second timeouts; reset fills a temporary set and swaps it in', () => {
  const inc = ipsetUpdateScript(names, [{ set: 'ban4', del: ['1.1.1.1'], add: [['2.2.2.2', 61_500]] }], 1000, false);
  assert.equal(inc, 'del kyoka-ban4 1.1.1.1 -exist\nadd kyoka-ban4 2.2.2.2 timeout 61 -exist\n');
  const reset = ipsetUpdateScript(names, [{ set: 'ban4', del: [], add: [['2.2.2.2', 61_000]] }], 1000, true).split(
    '\n',
  );
  const i = reset.indexOf('add kyoka-ban4-t 2.2.2.2 timeout 60 -exist');
  assert.ok(i > 0);
  assert.equal(reset[i + 1], 'swap kyoka-ban4-t kyoka-ban4');
  assert.equal(reset.filter((l) => l.startsWith('swap ')).length, 12);
});
