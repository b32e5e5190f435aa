import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError } from '../../errors/index.ts';
import { parseProgramLine } from './index.ts';
import { rsyncdParser } from './rsyncd.ts';
import { type AnyEvent, CTX, run } from './test-helpers.ts';

describe('rsyncd program parser', () => {
  it('connect, module listing and requests', () => {
    const c = parseProgramLine(
      'rsyncd',
      '2026/11/21 10:00:00 [1234] connect from attacker.example (198.51.100.7)',
      CTX,
    ) as AnyEvent;
    assert.equal(c['@timestamp'], '2026-11-21T10:00:00.000Z');
    assert.equal(c.event.action, 'rsyncd.connect');
    assert.deepEqual(c.source, { ip: '198.51.100.7', domain: 'attacker.example' });
    assert.equal(c.process.pid, 1234);
    const l = run(rsyncdParser, '2026/11/21 10:00:01 [1234] module-list request from UNKNOWN (198.51.100.7)');
    assert.equal(l?.event.action, 'rsyncd.list');
    assert.deepEqual(l?.source, { ip: '198.51.100.7' });
    const on = run(rsyncdParser, '2026/11/21 10:00:02 [1235] rsync on data/secret/ from UNKNOWN (198.51.100.7)');
    assert.equal(on?.event.action, 'rsyncd.read_request');
    assert.equal(on?.kyoka.rsync.module, 'data');
    assert.equal(on?.kyoka.rsync.path, 'data/secret/');
    const to = run(rsyncdParser, 'rsync to upload/ from bob@host.example (2001:db8::5)');
    assert.equal(to?.event.action, 'rsyncd.write_request');
    assert.equal(to?.user.name, 'bob');
    assert.equal(to?.source.ip, '2001:db8::5');
    const al = run(rsyncdParser, 'rsync allowed access on module data from UNKNOWN (198.51.100.7)');
    assert.equal(al?.event.action, 'rsyncd.access_allowed');
    const af = run(rsyncdParser, 'auth failed on module secure from UNKNOWN (198.51.100.7): password mismatch');
    assert.equal(af?.event.action, 'rsyncd.auth_failure');
    assert.equal(af?.kyoka.rsync.reason, 'password mismatch');
    const af32 = run(
      rsyncdParser,
      'auth failed on module data from localhost (127.0.0.1) for alice: password mismatch',
    );
    assert.equal(af32?.event.action, 'rsyncd.auth_failure');
    assert.equal(af32?.user.name, 'alice');
    assert.equal(af32?.kyoka.rsync.reason, 'password mismatch');
    assert.equal(af32?.source.ip, '127.0.0.1');
  });

  it('transfer log lines and summary', () => {
    const d = run(rsyncdParser, '2026/11/21 10:00:03 [1235] send UNKNOWN [198.51.100.7] data () secret/passwd 1234');
    assert.equal(d?.event.action, 'rsyncd.download');
    assert.deepEqual(d?.file, { path: 'secret/passwd', size: 1234 });
    assert.equal(d?.kyoka.rsync.module, 'data');
    const u = run(
      rsyncdParser,
      '2026/11/21 10:00:04 [1236] recv host.example [198.51.100.7] upload (bob) dir/my file.txt 99',
    );
    assert.equal(u?.event.action, 'rsyncd.upload');
    assert.equal(u?.user.name, 'bob');
    assert.equal(u?.file.path, 'dir/my file.txt');
    const s = run(rsyncdParser, '2026/11/21 10:00:05 [1235] sent 1290 bytes  received 58 bytes  total size 1234');
    assert.equal(s?.event.action, 'rsyncd.transfer_summary');
    assert.equal(s?.kyoka.rsync.sent_bytes, 1290);
    assert.equal(s?.source.bytes, 58);
  });

  it('unknown program names are refused', () => {
    assert.throws(
      () => parseProgramLine('nope', 'x', CTX),
      (e) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT',
    );
  });
});
