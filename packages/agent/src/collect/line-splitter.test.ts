/** LineSplitter (bounded line framing of streams) and the RESP reply reader. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter } from './line-splitter.ts';
import { RespError, readReply, respCommand } from './resp.ts';

describe('LineSplitter', () => {
  it('joins lines split across chunks, strips CR, cuts long lines once and counts them', () => {
    const got: [string, boolean][] = [];
    const s = new LineSplitter((l, cut) => got.push([l, cut]), 8);
    s.push(Buffer.from('+OK\r\nabc'));
    s.push(Buffer.from('def\r\n0123456789ABCDEF'));
    s.push(Buffer.from('GHIJ\nlast'));
    s.push(Buffer.from('\n\n'));
    assert.deepEqual(got, [
      ['+OK', false],
      ['abcdef', false],
      ['01234567', true],
      ['last', false],
    ]);
    assert.equal(s.capped, 1);
  });

  it('reset drops a held partial line', () => {
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l));
    s.push(Buffer.from('half'));
    s.reset();
    s.push(Buffer.from('whole\n'));
    assert.deepEqual(got, ['whole']);
  });
});

describe('RESP reader', () => {
  it('reads nested SLOWLOG-style replies, errors, nulls; waits for incomplete input', () => {
    const reply = Buffer.from(
      '*1\r\n*6\r\n:3\r\n:1795317444\r\n:15\r\n*4\r\n$6\r\nconfig\r\n$3\r\nset\r\n$3\r\ndir\r\n$4\r\n/tmp\r\n$15\r\n127.0.0.1:44972\r\n$0\r\n\r\n',
    );
    const r = readReply(reply);
    assert.deepEqual(r?.value, [[3, 1795317444, 15, ['config', 'set', 'dir', '/tmp'], '127.0.0.1:44972', '']]);
    assert.equal(r?.next, reply.length);
    assert.equal(readReply(reply.subarray(0, reply.length - 3)), undefined);
    assert.ok(readReply(Buffer.from('-WRONGPASS invalid\r\n'))?.value instanceof RespError);
    assert.equal(readReply(Buffer.from('$-1\r\n'))?.value, null);
    assert.throws(() => readReply(Buffer.from('?junk\r\n')), /bad RESP/);
    assert.equal(respCommand(['AUTH', 'pé']).toString(), '*2\r\n$4\r\nAUTH\r\n$3\r\npé\r\n');
  });
});
