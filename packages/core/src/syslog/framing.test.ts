import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KyokaError } from '../errors/index.ts';
import { SyslogFrameDecoder } from './framing.ts';

function strs(bufs: Buffer[]): string[] {
  return bufs.map((b) => b.toString('utf8'));
}

function octet(msg: string): string {
  return `${Buffer.byteLength(msg)} ${msg}`;
}

describe('SyslogFrameDecoder', () => {
  it('splits LF, CRLF and NUL framed messages', () => {
    const d = new SyslogFrameDecoder();
    assert.deepEqual(strs(d.push(Buffer.from('<13>a\n<13>b\r\n<13>c\0<13>d'))), ['<13>a', '<13>b', '<13>c']);
    assert.deepEqual(strs(d.flush()), ['<13>d']);
  });

  it('decodes octet counting with messages containing newlines', () => {
    const d = new SyslogFrameDecoder();
    const m1 = '<34>1 2026-01-01T00:00:00Z h app - - - line1\nline2';
    const m2 = '<34>1 - - - - - - é';
    assert.deepEqual(strs(d.push(Buffer.from(octet(m1) + octet(m2)))), [m1, m2]);
  });

  it('auto-detects per message and across chunk boundaries', () => {
    const d = new SyslogFrameDecoder();
    const m1 = '<13>octet one';
    const whole = Buffer.from(`${octet(m1)}<13>lf two\n${octet('<13>three')}\n<13>four\n`);
    const got: string[] = [];
    for (let i = 0; i < whole.length; i++) got.push(...strs(d.push(whole.subarray(i, i + 1))));
    assert.deepEqual(got, [m1, '<13>lf two', '<13>three', '<13>four']);
  });

  it('treats a leading number without a space as LF framing', () => {
    const d = new SyslogFrameDecoder();
    assert.deepEqual(strs(d.push(Buffer.from('2026-01-01 text\n'))), ['2026-01-01 text']);
  });

  it('truncates oversize octet frames without losing sync', () => {
    const errs: KyokaError[] = [];
    const d = new SyslogFrameDecoder({ maxMessageSize: 16, onError: (e) => errs.push(e) });
    const big = `<13>${'x'.repeat(100)}`;
    const out = strs(d.push(Buffer.from(`${octet(big)}${octet('<13>ok')}`)));
    assert.deepEqual(out, [big.slice(0, 16), '<13>ok']);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.code, 'KYOKA_E_PAYLOAD_TOO_LARGE');
    assert.equal(d.errors, 1);
  });

  it('skips oversize LF frames up to the next terminator when asked', () => {
    const errs: KyokaError[] = [];
    const d = new SyslogFrameDecoder({ maxMessageSize: 8, oversize: 'skip', onError: (e) => errs.push(e) });
    const got = [
      ...strs(d.push(Buffer.from('<13>aaaaaaaa'))),
      ...strs(d.push(Buffer.from('aaaaaa\n<13>ok\n'))),
      ...strs(d.push(Buffer.from(`${octet('<13>0123456789')}${octet('<13>b')}`))),
    ];
    assert.deepEqual(got, ['<13>ok', '<13>b']);
    assert.equal(errs.length, 2);
  });

  it('reports a short final octet frame on flush', () => {
    const errs: KyokaError[] = [];
    const d = new SyslogFrameDecoder({ onError: (e) => errs.push(e) });
    assert.deepEqual(d.push(Buffer.from('50 <13>partial')), []);
    assert.deepEqual(strs(d.flush()), ['<13>partial']);
    assert.equal(errs.length, 1);
    assert.deepEqual(d.flush(), []);
  });

  it('survives a throwing error callback and random junk', () => {
    const d = new SyslogFrameDecoder({
      maxMessageSize: 32,
      onError: () => {
        throw new Error('boom');
      },
    });
    const junk = Buffer.alloc(10_000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) & 0xff;
    assert.doesNotThrow(() => {
      d.push(junk);
      d.flush();
    });
    assert.deepEqual(strs(d.push(Buffer.from('<13>after\n'))), ['<13>after']);
  });

  it('does not trust an octet count over the limit: resyncs at the first LF, nothing after it lost', () => {
    for (const oversize of ['truncate', 'skip'] as const) {
      const errs: KyokaError[] = [];
      const d = new SyslogFrameDecoder({ maxMessageSize: 65_536, oversize, onError: (e) => errs.push(e) });
      const lines = Array.from({ length: 2000 }, (_, i) => `<13>Jan  1 00:00:00 host app: line ${i}`);
      const stream = Buffer.from(`999999 <13>x\n${lines.join('\n')}\n`);
      const got: string[] = [];
      // in one piece and in awkward chunks
      for (const size of [stream.length, 7]) {
        errs.length = 0;
        got.length = 0;
        for (let i = 0; i < stream.length; i += size) got.push(...strs(d.push(stream.subarray(i, i + size))));
        got.push(...strs(d.flush()));
        assert.deepEqual(got, oversize === 'truncate' ? ['<13>x', ...lines] : lines, `${oversize}/${size}`);
        assert.equal(errs.length, 1, `${oversize}/${size}: the bogus frame is reported once`);
      }
    }
  });

  it('an oversize octet frame without LFs still ends at its announced length', () => {
    const errs: KyokaError[] = [];
    const d = new SyslogFrameDecoder({ maxMessageSize: 16, onError: (e) => errs.push(e) });
    const big = `<13>${'y'.repeat(40)}`;
    const stream = Buffer.from(`${octet(big)}${octet('<13>next')}${octet('<13>third')}`);
    const got: string[] = [];
    for (let i = 0; i < stream.length; i += 5) got.push(...strs(d.push(stream.subarray(i, i + 5))));
    assert.deepEqual(got, [big.slice(0, 16), '<13>next', '<13>third']);
    assert.equal(errs.length, 1);
    // an LF inside an oversize frame ends it: the rest reads as LF-framed messages
    const d2 = new SyslogFrameDecoder({ maxMessageSize: 16 });
    assert.deepEqual(strs(d2.push(Buffer.from(`40 <13>head\n<13>tail that is long\n<13>ok\n`))), [
      '<13>head',
      '<13>tail that is',
      '<13>ok',
    ]);
  });
});
