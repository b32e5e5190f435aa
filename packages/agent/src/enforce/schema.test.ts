/** Unit tests: enforce config validation (defaults, cross-field rules, errors naming the key). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateEnforceConfig } from './schema.ts';

const ok = { protect: [{ port: 21, protocol: 'tcp', mode: 'deception', sandbox: '10.0.0.9' }] };

function fails(raw: unknown, key: RegExp): void {
  assert.throws(
    () => validateEnforceConfig(raw),
    (e: any) => e.code === 'KYOKA_E_BAD_CONFIG' && key.test(e.message),
  );
}

test('fills defaults and freezes', () => {
  const cfg = validateEnforceConfig(ok);
  assert.equal(cfg.backend, 'auto');
  assert.equal(cfg.table, 'kyoka');
  assert.deepEqual(cfg.whitelist, []);
  assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.protect[0]));
});

test('errors name the offending key', () => {
  fails({ protect: [{ port: 21, protocol: 'tcp', mode: 'deception' }] }, /enforce\.protect\.0\.sandbox: required/);
  fails({ protect: [{ port: 'all', protocol: 'tcp', mode: 'firewall' }] }, /enforce\.protect\.0\.port/);
  fails({ protect: [{ port: [30, 20], protocol: 'tcp', mode: 'firewall' }] }, /enforce\.protect\.0\.port: range/);
  fails(
    { protect: [{ port: 21, protocol: 'tcp', mode: 'reflect', sandbox: '1.2.3.4' }] },
    /protect\.0\.sandbox: not used/,
  );
  fails({ protect: [{ port: 21, protocol: 'tcp', mode: 'honeypot', sandbox: 'nope' }] }, /protect\.0\.sandbox/);
  fails({ protect: [{ port: 21, protocol: 'tcp', mode: 'firewall', except_ports: [22] }] }, /protect\.0\.except_ports/);
  fails(
    { protect: [{ port: 21, protocol: 'tcp', mode: 'deception', sandbox: '127.0.0.1:2121' }] },
    /protect\.0\.sandbox: loopback/,
  );
  fails({ ...ok, whitelist: ['10.0.0.1', 'evil; rm'] }, /enforce\.whitelist\.1/);
  fails({ ...ok, management: ['x'] }, /enforce\.management\.0/);
  fails({ ...ok, table: 'Bad-Name' }, /enforce\.table/);
  fails({ ...ok, extra: 1 }, /enforce/);
  fails({ protect: [] }, /enforce\.protect/);
});

test("protecting 'all' ports in honeypot mode needs the management path", () => {
  const all = { port: 'all', protocol: 'tcp', mode: 'honeypot', sandbox: '10.0.0.9', except_ports: [22] };
  fails({ protect: [all] }, /enforce\.management/);
  assert.equal(validateEnforceConfig({ protect: [all], management: ['192.0.2.1'] }).protect[0]?.port, 'all');
});
