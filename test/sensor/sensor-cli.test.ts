/**
 * `kyoka sensor` as a real process: an OpenCanary config with ftp on a free port and a file
 * handler; lftp (the Debian client) logs in and the file log holds OpenCanary's exact records.
 * Also: a bad config exits 2 naming the key, and --copyconfig never overwrites.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KYOKA_BIN, ROOT } from '../helpers/kyoka.ts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

const hasLftp = spawnSync('sh', ['-c', 'command -v lftp']).status === 0;

test('kyoka sensor --config: lftp login attempt lands in the file log as OpenCanary writes it', {
  skip: !hasLftp && 'lftp is not installed',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-sensor-cli-'));
  const port = await freePort();
  const log = join(dir, 'opencanary.log');
  const conf = join(dir, 'opencanary.conf');
  writeFileSync(
    conf,
    JSON.stringify({
      'device.node_id': 'itest-1',
      'device.listen_addr': '127.0.0.1',
      'kyoka.state_dir': join(dir, 'state'),
      'ftp.enabled': true,
      'ftp.port': port,
      'ftp.banner': 'FTP server ready',
      'ftp.log_auth_attempt_initiated': true,
      logger: { class: 'PyLogger', kwargs: { handlers: { file: { class: 'logging.FileHandler', filename: log } } } },
    }),
  );
  const proc = spawn(process.execPath, [KYOKA_BIN, 'sensor', '--config', conf], { cwd: ROOT });
  let err = '';
  try {
    await new Promise<void>((resolve, reject) => {
      proc.stderr.on('data', (d) => {
        err += d;
        if (/service\(s\) running/.test(err) && /ftp +tcp 127\.0\.0\.1:\d+/.test(err)) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`kyoka sensor exited ${code}: ${err}`)));
    });
    assert.match(err, new RegExp(`ftp +tcp 127.0.0.1:${port}`));
    const r = spawnSync(
      'lftp',
      [
        '-e',
        'set net:max-retries 1; set net:timeout 5; set ftp:ssl-allow no; ls; quit',
        '-u',
        'mallory,hunter2',
        `ftp://127.0.0.1:${port}`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    assert.notEqual(r.status, 0, 'login must fail');
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines[0].logdata, {
      msg: { logdata: 'Added service from class CanaryFTP in opencanary.modules.ftp to fake' },
    });
    assert.deepEqual(lines[1].logdata, { msg: { logdata: 'Canary running!!!' } });
    const attempt = lines.find((l) => l.logtype === 2000);
    assert.ok(attempt, `no 2000 record in ${JSON.stringify(lines)}`);
    assert.deepEqual(attempt.logdata, { USERNAME: 'mallory', PASSWORD: 'hunter2' });
    assert.equal(attempt.node_id, 'itest-1');
    assert.equal(attempt.dst_port, port);
    assert.equal(attempt.src_host, '127.0.0.1');
    assert.ok(
      lines.some((l) => l.logtype === 2001),
      'ftp.log_auth_attempt_initiated',
    );
    // byte layout: sorted keys, Python separators, newline-terminated
    const raw = readFileSync(log, 'utf8');
    assert.match(
      raw.split('\n').find((l) => l.includes('"logtype": 2000')) ?? '',
      /^\{"dst_host": "127\.0\.0\.1", "dst_port": \d+, "local_time": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", "local_time_adjusted": ".{26}", "logdata": \{"PASSWORD": "hunter2", "USERNAME": "mallory"\}, "logtype": 2000, "node_id": "itest-1", "src_host": "127\.0\.0\.1", "src_port": \d+, "utc_time": ".{26}"\}$/,
    );
    assert.ok(raw.endsWith('\n'));
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

function run(args: string[], cwd: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [KYOKA_BIN, ...args], { cwd });
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.once('exit', (status) => resolve({ status, stderr }));
  });
}

test('kyoka sensor: a bad config exits 2 naming the key; --copyconfig refuses to overwrite', async () => {
  const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'kyoka-sensor-cli-')));
  const [a, b, c] = dirs as [string, string, string];
  try {
    writeFileSync(join(a, 'opencanary.conf'), '{"ftp.enabled": "true"}');
    writeFileSync(join(b, 'opencanary.conf'), '{"mine": 1}');
    // three CLI starts in parallel: each pays the CLI's import time
    const [bad, refused, ok] = await Promise.all([
      run(['sensor', '--config', join(a, 'opencanary.conf')], a),
      run(['sensor', '--copyconfig'], b),
      run(['sensor', '--copyconfig'], c),
    ]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /config key "ftp\.enabled": must be true or false/);
    assert.equal(refused.status, 2, 'an existing ./opencanary.conf is not overwritten');
    assert.match(refused.stderr, /already exists/);
    assert.equal(readFileSync(join(b, 'opencanary.conf'), 'utf8'), '{"mine": 1}');
    assert.equal(ok.status, 0, ok.stderr);
    const d = JSON.parse(readFileSync(join(c, 'opencanary.conf'), 'utf8'));
    assert.equal(d['ssh.version'], 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
    assert.equal(d['ftp.enabled'], false);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
