import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';

test('portscan: rules managed elsewhere (firewall none), lines tailed from portscan.logfile; ignore_localhost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-portscan-'));
  const file = join(dir, 'kern.log');
  writeFileSync(file, '');
  const { h, stop } = await startService(factory, {
    'portscan.firewall': 'none',
    'portscan.logfile': file,
    'portscan.poll_ms': 10,
    'portscan.ignore_localhost': true,
  });
  try {
    const k = 'Nov 17 23:40:02 canary kernel: [ 8312.1] canarynmapFIN: IN=eth0 OUT= MAC=00 SRC=';
    const tail = ' LEN=40 TOS=0x00 PREC=0x00 TTL=37 ID=1 PROTO=TCP SPT=41385 DPT=83 WINDOW=1024 RES=0x00 FIN URGP=0 \n';
    appendFileSync(file, `${k}127.0.0.1 DST=127.0.0.1${tail}${k}192.0.2.7 DST=192.0.2.1${tail}canaryfw: broken\n`);
    const r = await h.waitFor((x) => x.logtype === 5005);
    assert.deepEqual(r.conn, { src_host: '192.0.2.7', src_port: '41385', dst_host: '192.0.2.1', dst_port: '83' });
    assert.equal(r.logdata.FIN, '');
    // The three lines arrive in one read and are handled in one synchronous pass.
    assert.equal(h.counts.get('portscan:malformed'), 1);
    assert.equal(h.records.length, 1, 'localhost ignored');
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
