import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from './sse.ts';

test('frames split across chunks, comments, CRLF and multi-line data', () => {
  const p = new SseParser();
  assert.deepEqual(p.push('retry: 2000\n\n: ping\n\nid: 7\nevent: decision.n'), []);
  assert.deepEqual(p.push('ew\r\ndata: {"a":\ndata: 1}\r\n\r\nevent: synced\ndata:x\n\n'), [
    { event: 'decision.new', data: '{"a":\n1}', id: '7' },
    { event: 'synced', data: 'x', id: null },
  ]);
  assert.equal(p.pending, 0);
});
