/** git honeypot against the real git client: `git clone git://` gets the daemon's ERR; 16001 logged. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory, pktLine } from './index.ts';

let svc: Awaited<ReturnType<typeof startService>>;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'kyoka-git-'));
before(async () => {
  svc = await startService(factory, { 'git.port': 0 });
  port = svc.service.ports[0]?.port ?? 0;
});
after(async () => {
  await svc.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('git clone git://127.0.0.1:<port>/repo.git', async () => {
  const stderr = await new Promise<string>((resolve) =>
    execFile(
      'git',
      ['clone', `git://127.0.0.1:${port}/repo.git`, join(dir, 'out')],
      { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, timeout: 10_000 },
      (_e, _o, err) => resolve(String(err)),
    ),
  );
  assert.match(stderr, /fatal: remote error: no such repository: \/repo\.git/);
  const r = await svc.h.waitFor((x) => x.logtype === 16001);
  assert.deepEqual(r.logdata, { REPO: 'repo.git', HOST: `127.0.0.1:${port}` });
});

test('raw request split across writes; exact pkt-line reply', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString('latin1');
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    const req = pktLine('git-upload-pack /x/y.git\0host=h.example\0');
    s.write(req.subarray(0, 7));
    setImmediate(() => s.write(req.subarray(7)));
  });
  assert.equal(reply, '0024ERR no such repository: /x/y.git');
  assert.deepEqual(svc.h.records.at(-1)?.logdata, { REPO: 'x/y.git', HOST: 'h.example' });
});

test('garbage closes without a record', async () => {
  const n = svc.h.records.length;
  await new Promise<void>((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.0\r\n\r\n'));
    s.on('close', () => resolve());
    s.on('error', () => {});
  });
  assert.equal(svc.h.records.length, n);
  assert.equal(svc.h.counts.get('git:bad_request'), 1);
});
