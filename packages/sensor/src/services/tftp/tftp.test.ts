import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { sendUdp } from '../ntp/udp-test-util.ts';
import { factory, parseTftpRequest } from './index.ts';

const hasTftp = spawnSync('sh', ['-c', 'command -v tftp']).status === 0;

test('tftp: parser matches OpenCanary (opcodes 1/2 only, >= 5 bytes, NUL between name and mode)', () => {
  assert.deepEqual(parseTftpRequest(Buffer.from('\x00\x02up.bin\x00octet\x00')), {
    FILENAME: 'up.bin',
    OPCODE: 'WRITE',
    MODE: 'octet',
  });
  assert.deepEqual(parseTftpRequest(Buffer.from('\x00\x01a\x00netascii')), {
    FILENAME: 'a',
    OPCODE: 'READ',
    MODE: 'netascii',
  });
  assert.equal(parseTftpRequest(Buffer.from('\x00\x01ab')), null);
  assert.equal(parseTftpRequest(Buffer.from('\x00\x01abcdef')), null);
  assert.equal(parseTftpRequest(Buffer.from('\x00\x03abc\x00octet\x00')), null);
});

test('tftp: tftp-hpa `get /etc/passwd` is logged as 10001 and never answered', {
  skip: !hasTftp && 'tftp (tftp-hpa) not installed',
}, async () => {
  const { service, h, stop } = await startService(factory, { 'tftp.port': 0 });
  const cwd = mkdtempSync(join(tmpdir(), 'kyoka-tftp-'));
  const child = spawn('tftp', ['127.0.0.1', String(service.ports[0]!.port), '-c', 'get', '/etc/passwd'], {
    cwd,
    stdio: 'ignore',
  });
  try {
    const r = await h.waitFor((x) => x.logtype === 10001);
    assert.deepEqual(r.logdata, { FILENAME: '/etc/passwd', OPCODE: 'READ', MODE: 'netascii' });
    assert.equal(r.conn?.dst_port, service.ports[0]!.port);
    // Garbage (counted), then a raw WRQ: datagrams from loopback arrive in order.
    await sendUdp(service.ports[0]!.port, Buffer.from('\x00\x05\x00\x00nope'));
    await sendUdp(service.ports[0]!.port, Buffer.from('\x00\x02x.cfg\x00octet\x00'));
    const w = await h.waitFor((x) => x.logdata.OPCODE === 'WRITE');
    assert.deepEqual(w.logdata, { FILENAME: 'x.cfg', OPCODE: 'WRITE', MODE: 'octet' });
  } finally {
    child.kill();
    await stop();
    rmSync(cwd, { recursive: true, force: true });
  }
  assert.equal(h.counts.get('tftp:malformed'), 1);
});
