// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the syntax under test
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KyokaError } from '@kyoka/core';
import { createSensorConf, loadSensorConf } from './conf.ts';
import { defaultConfig } from './defaults.ts';
import { expandString, findConfigFile, parseConfigText } from './load.ts';

function errOf(values: Record<string, unknown>): string {
  try {
    createSensorConf(values);
  } catch (err) {
    assert.ok(err instanceof KyokaError);
    assert.equal(err.code, 'KYOKA_E_BAD_CONFIG');
    return err.message;
  }
  assert.fail('expected a config error');
}

test('validation errors name the key', () => {
  assert.equal(
    errOf({ 'ftp.enabled': 'yes' }),
    'config key "ftp.enabled": must be true or false (a JSON boolean), got "yes"',
  );
  assert.equal(errOf({ 'ftp.port': 70000 }), 'config key "ftp.port": must be a port number from 1 to 65535, got 70000');
  assert.equal(errOf({ 'ftp.port': '21' }), 'config key "ftp.port": must be a port number from 1 to 65535, got "21"');
  assert.equal(errOf({ 'ftp.port': 0 }), 'config key "ftp.port": must be a port number from 1 to 65535, got 0');
  assert.match(errOf({ 'ssh.version': 'OpenSSH_9.2' }), /^config key "ssh.version": must look like/);
  assert.match(errOf({ 'ssh.version': 'SSH-3.0-x' }), /ssh.version/);
  assert.equal(
    errOf({ 'ftp.enabled': true, 'ftp.port': 2121, 'telnet.enabled': true, 'telnet.port': 2121 }),
    'config key "telnet.port": port 2121/tcp is already used by enabled service ftp',
  );
  assert.match(errOf({ 'ip.ignorelist': ['10.0.0.0/33'] }), /^config key "ip.ignorelist": entry "10.0.0.0\/33"/);
  assert.match(errOf({ 'kyoka.personality': 'windows95' }), /known: debian12, ubuntu2204/);
  assert.match(
    errOf({ logger: { class: 'PyLogger', kwargs: { handlers: { x: { class: 'logging.NopeHandler' } } } } }),
    /^config key "logger.kwargs.handlers.x.class": unsupported handler class/,
  );
  assert.match(
    errOf({ logger: { kwargs: { handlers: { f: { class: 'logging.FileHandler' } } } } }),
    /^config key "logger.kwargs.handlers.f.filename": is required/,
  );
});

test('same port on tcp and udp, or on a disabled service, is allowed', () => {
  createSensorConf({ 'tftp.enabled': true, 'tftp.port': 2000, 'ftp.enabled': true, 'ftp.port': 2000 });
  createSensorConf({ 'ftp.enabled': true, 'ftp.port': 2000, 'telnet.enabled': false, 'telnet.port': 2000 });
});

test('$VAR and ${VAR} expansion like os.path.expandvars, unknown variables kept', () => {
  const env = { HOST: 'canary-7', PORT_X: '9' };
  assert.equal(expandString('$HOST-${PORT_X}/$NOPE/${NOPE}/$', env), 'canary-7-9/$NOPE/${NOPE}/$');
  const v = parseConfigText('{"device.node_id": "$HOST", "l": ["${PORT_X}"], "n": 3}', false, env);
  assert.deepEqual(v, { 'device.node_id': 'canary-7', l: ['9'], n: 3 });
});

test('YAML: nested and dotted keys, logger kept as a structure', () => {
  const v = parseConfigText(
    'ftp:\n  enabled: true\n  port: 2121\nssh.enabled: false\nlogger:\n  kwargs:\n    handlers:\n      f: {class: logging.FileHandler, filename: /tmp/x}\n',
    true,
    {},
  );
  assert.equal(v['ftp.enabled'], true);
  assert.equal(v['ftp.port'], 2121);
  assert.equal(v['ssh.enabled'], false);
  assert.deepEqual((v.logger as any).kwargs.handlers.f, { class: 'logging.FileHandler', filename: '/tmp/x' });
});

test('layering: file > personality profile > fallback; frozen', () => {
  const c = createSensorConf({ 'ftp.banner': 'mine', 'kyoka.personality': 'ubuntu2204' });
  assert.equal(c.get('ftp.banner', 'x'), 'mine');
  assert.equal(c.get('ssh.version', 'x'), 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10');
  assert.equal(c.get('nope.key', 42), 42);
  assert.equal(createSensorConf({}).get('http.banner', ''), 'Apache/2.4.62 (Debian)');
  assert.throws(() => {
    (c.values as Record<string, unknown>)['ftp.banner'] = 'x';
  });
});

test('search order: /etc, then ~/.opencanary.conf, then ./opencanary.conf; --config must exist', () => {
  const d = mkdtempSync(join(tmpdir(), 'kyoka-conf-'));
  const home = join(d, 'home');
  const cwd = join(d, 'cwd');
  mkdirSync(home);
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'opencanary.conf'), '{"ftp.enabled": true, "ftp.port": 2121}');
  assert.equal(findConfigFile(undefined, { home, cwd }), join(cwd, 'opencanary.conf'));
  writeFileSync(join(home, '.opencanary.conf'), '{}');
  assert.equal(findConfigFile(undefined, { home, cwd }), join(home, '.opencanary.conf'));
  assert.throws(() => findConfigFile('missing.conf', { cwd }), /missing.conf does not exist/);
  writeFileSync(join(cwd, 'bad.conf'), '{"ftp.port": -1}');
  assert.throws(() => loadSensorConf('bad.conf', { cwd }), /bad.conf: config key "ftp.port"/);
});

test('the default config validates and lists every service', () => {
  const d = defaultConfig();
  createSensorConf(d);
  for (const s of ['ftp', 'ssh', 'telnet', 'http', 'https', 'httpproxy', 'mysql', 'mssql', 'mongodb', 'redis', 'git'])
    assert.equal(d[`${s}.enabled`], false, s);
  assert.equal(d['ssh.version'], 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
});
