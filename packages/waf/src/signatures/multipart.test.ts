import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSignatureEngine } from './engine.ts';
import { boundaryOf, parseMultipart } from './multipart.ts';

const B = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
const form = (parts: string[]) => Buffer.from(`${parts.map((p) => `--${B}\r\n${p}\r\n`).join('')}--${B}--\r\n`);

describe('multipart/form-data', () => {
  it('boundary: quoted or not, other parameters around it', () => {
    assert.equal(boundaryOf(`multipart/form-data; boundary=${B}`), B);
    assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b;c"'), 'a b;c');
    assert.equal(boundaryOf('multipart/form-data'), null);
  });

  it('fields and file names, values with CRLF inside, file contents left out', () => {
    const body = form([
      'Content-Disposition: form-data; name="user"\r\n\r\nadmin',
      'Content-Disposition: form-data; name="note"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2',
      'Content-Disposition: form-data; name="up"; filename="../../etc/passwd"\r\nContent-Type: text/html\r\n\r\n<script>x</script>',
      'content-disposition: form-data; name=bare\r\n\r\nv',
    ]);
    assert.deepEqual(parseMultipart(body, B), [
      { name: 'user', value: 'admin' },
      { name: 'note', value: 'line1\r\nline2' },
      { name: 'up', filename: '../../etc/passwd', value: '' },
      { name: 'bare', value: 'v' },
    ]);
  });

  it('a body cut by the inspection cap yields what arrived; garbage yields nothing, never throws', () => {
    const body = form([
      'Content-Disposition: form-data; name="a"\r\n\r\n1',
      'Content-Disposition: form-data; name="b"\r\n\r\n2222',
    ]);
    const cut = body.subarray(0, body.indexOf('2222') + 2);
    assert.deepEqual(parseMultipart(cut, B), [
      { name: 'a', value: '1' },
      { name: 'b', value: '22' },
    ]);
    assert.deepEqual(parseMultipart(body.subarray(0, 20), B), []);
    assert.deepEqual(parseMultipart(Buffer.from([0, 1, 2, 0x2d, 0x2d, 0xff]), B), []);
  });

  it('the engine inspects form fields and file names, not file contents', () => {
    const engine = createSignatureEngine({});
    const headers = { 'content-type': `multipart/form-data; boundary=${B}` };
    const ids = (body: Buffer) => engine.inspect({ url: '/upload', headers, body }).map((h) => h.id);
    assert.ok(
      ids(form(['Content-Disposition: form-data; name="id"\r\n\r\n1 UNION SELECT password FROM users'])).includes(
        'sqli-union-select',
      ),
    );
    assert.ok(
      ids(form(['Content-Disposition: form-data; name="f"; filename="../../../etc/passwd"\r\n\r\nx'])).includes(
        'lfi-dot-dot',
      ),
    );
    assert.deepEqual(
      ids(
        form([
          'Content-Disposition: form-data; name="page"; filename="index.html"\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>',
        ]),
      ),
      [],
    );
    assert.deepEqual(ids(form(['Content-Disposition: form-data; name="comment"\r\n\r\nO\'Brien said hi'])), []);
  });
});
