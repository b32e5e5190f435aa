/**
 * FTP honeypot against raw sockets (exact reply bytes), lftp and hydra (every attempt logged).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startService } from '../../testing/harness.ts';
import { logins, SLOW_SHA512_CRYPT } from '../../testing/logins.ts';
import { factory } from './index.ts';

const run = promisify(execFile);
const has = (bin: string) => existsSync(`/usr/bin/${bin}`);

/** A raw client that reads until the received text ends with what the test expects. */
async function rawClient(port: number) {
  const s: Socket = connect(port, '127.0.0.1');
  let buf = '';
  let wake: (() => void) | null = null;
  s.on('data', (d) => {
    buf += d.toString('latin1');
    wake?.();
  });
  s.on('close', () => wake?.());
  await new Promise((r) => s.once('connect', r));
  return {
    s,
    async until(suffix: string): Promise<string> {
      while (!buf.endsWith(suffix)) {
        if (s.destroyed) throw new Error(`closed; got ${JSON.stringify(buf)}`);
        await new Promise<void>((r) => {
          wake = r;
        });
      }
      const out = buf;
      buf = '';
      return out;
    },
    send: (t: string) => s.write(t),
  };
}

test('ftp: exact replies and records', async () => {
  const { service, h, stop } = await startService(factory, { 'ftp.port': 0, 'ftp.log_auth_attempt_initiated': true });
  try {
    const c = await rawClient(service.ports[0]!.port);
    assert.equal(await c.until('\r\n'), '220 (vsFTPd 3.0.3)\r\n');
    c.send('PASS x\r\n');
    assert.equal(await c.until('\r\n'), '503 Incorrect sequence of commands: USER required before PASS\r\n');
    c.send('LIST\r\n');
    assert.equal(await c.until('\r\n'), '530 Please login with USER and PASS.\r\n');
    c.send('FEAT\r\n');
    assert.equal(
      await c.until('211 End\r\n'),
      '211-Features:\r\n FEAT\r\n MDTM\r\n PASV\r\n SIZE\r\n TYPE A;I\r\n211 End\r\n',
    );
    c.send('user admin\r\n');
    assert.equal(await c.until('\r\n'), '331 Password required for admin.\r\n');
    c.send('CWD /\r\n');
    assert.equal(await c.until('\r\n'), '503 Incorrect sequence of commands: PASS required after USER\r\n');
    c.send('PASS s3cr3t pw\r\n');
    assert.equal(await c.until('\r\n'), '530 Sorry, Authentication failed.\r\n');
    c.send('USER anonymous\r\nPASS me@example.com\r\n');
    assert.equal(
      await c.until('failed.\r\n'),
      '331 Guest login ok, type your email address as password.\r\n530 Sorry, Authentication failed.\r\n',
    );
    c.send('USER\r\n');
    assert.equal(await c.until('\r\n'), '500 Syntax error: USER requires an argument\r\n');
    c.send('QUIT\r\n');
    assert.equal(await c.until('\r\n'), '221 Goodbye.\r\n');
    const got = h.records.map((r) => [r.logtype, r.logdata, r.opts]);
    assert.deepEqual(got, [
      [2001, {}, undefined],
      [2000, { USERNAME: 'admin', PASSWORD: 's3cr3t pw' }, undefined],
      [2001, {}, undefined],
      [2000, { USERNAME: 'anonymous', PASSWORD: 'me@example.com' }, undefined],
    ]);
    const conn = h.records[0]!.conn!;
    assert.equal(conn.src_host, '127.0.0.1');
    assert.equal(conn.dst_port, service.ports[0]!.port);
  } finally {
    await stop();
  }
});

test('ftp: custom banner, honeycreds, oversize input is dropped and counted', async () => {
  const { service, h, stop } = await startService(factory, {
    'ftp.port': 0,
    'ftp.banner': 'FTP server ready',
    'ftp.honeycreds': [{ username: 'backup', password: 'Winter2024!' }],
  });
  try {
    const c = await rawClient(service.ports[0]!.port);
    assert.equal(await c.until('\r\n'), '220 FTP server ready\r\n');
    c.send('USER backup\r\nPASS Winter2024!\r\nUSER backup\r\nPASS nope\r\n');
    await c.until('failed.\r\n331 Password required for backup.\r\n530 Sorry, Authentication failed.\r\n');
    assert.deepEqual(
      h.records.map((r) => [r.logdata.PASSWORD, r.opts]),
      [
        ['Winter2024!', { honeycred: true }],
        ['nope', { honeycred: false }],
      ],
    );
    c.send('A'.repeat(70 * 1024));
    await new Promise((r) => c.s.once('close', r));
    assert.equal(h.counts.get('ftp:oversize'), 1);
  } finally {
    await stop();
  }
});

test('ftp: lftp login attempt is logged', { skip: !has('lftp') && 'lftp not installed' }, async () => {
  const { service, h, stop } = await startService(factory, { 'ftp.port': 0 });
  try {
    const port = service.ports[0]!.port;
    await run(
      'lftp',
      [
        '-c',
        `set net:max-retries 1; set net:timeout 5; set cmd:fail-exit yes; open -u alice,Pa55w0rd -p ${port} 127.0.0.1; ls`,
      ],
      { timeout: 15_000 },
    ).catch(() => {});
    const r = await h.waitFor((x) => x.logtype === 2000);
    assert.deepEqual(r.logdata, { USERNAME: 'alice', PASSWORD: 'Pa55w0rd' });
  } finally {
    await stop();
  }
});

test('ftp: hydra, every attempt logged', { skip: !has('hydra') && 'hydra not installed' }, async () => {
  const { service, h, stop } = await startService(factory, { 'ftp.port': 0 });
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-ftp-hydra-'));
  try {
    const words = ['123456', 'password', 'admin', 'letmein', 'qwerty', 'dragon', 'monkey', 'Summer2024'];
    writeFileSync(join(dir, 'pw.txt'), `${words.join('\n')}\n`);
    await run(
      'hydra',
      [
        '-I',
        '-l',
        'root',
        '-P',
        join(dir, 'pw.txt'),
        '-t',
        '4',
        '-s',
        String(service.ports[0]!.port),
        '127.0.0.1',
        'ftp',
      ],
      { timeout: 25_000, cwd: dir },
    );
    const seen = h.records.filter((r) => r.logtype === 2000).map((r) => r.logdata.PASSWORD);
    assert.deepEqual([...seen].sort(), [...words].sort());
    assert.ok(h.records.every((r) => r.logdata.USERNAME === 'root'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stop();
  }
});

test('ftp: interleaved connections keep their own state (one session object per socket)', async () => {
  const { service, h, stop } = await startService(factory, { 'ftp.port': 0 });
  try {
    const port = service.ports[0]!.port;
    const a = await rawClient(port);
    const b = await rawClient(port);
    const idle = await rawClient(port); // never sends a byte: no session, still greeted
    for (const c of [a, b, idle]) assert.equal(await c.until('\r\n'), '220 (vsFTPd 3.0.3)\r\n');
    a.send('USER alice\r\n');
    assert.equal(await a.until('\r\n'), '331 Password required for alice.\r\n');
    b.send('USER bob\r\nPASS pb\r\n'); // pipelined: both replies, in order
    assert.equal(
      await b.until('530 Sorry, Authentication failed.\r\n'),
      '331 Password required for bob.\r\n530 Sorry, Authentication failed.\r\n',
    );
    a.send('PASS pa\r\n');
    assert.equal(await a.until('\r\n'), '530 Sorry, Authentication failed.\r\n');
    a.send('QUIT\r\nUSER late\r\n'); // nothing is read after QUIT
    assert.equal(await a.until('\r\n'), '221 Goodbye.\r\n');
    await new Promise((r) => a.s.once('close', r));
    assert.deepEqual(
      h.records.map((r) => [r.logtype, r.logdata]),
      [
        [2000, { USERNAME: 'bob', PASSWORD: 'pb' }],
        [2000, { USERNAME: 'alice', PASSWORD: 'pa' }],
      ],
    );
    assert.ok(!idle.s.destroyed);
    for (const c of [b, idle]) c.s.destroy();
  } finally {
    await stop();
  }
});

test('ftp: pipelined commands waiting on a slow honeycred check keep their bytes while other connections are read', async () => {
  // What a session holds back while a check runs must stay its own: a transport that reused read
  // buffers would hand the next read (here: another client's) the same memory.
  const { service, h, stop } = await startService(factory, {
    'ftp.port': 0,
    'ftp.honeycreds': [{ username: 'root', password: SLOW_SHA512_CRYPT }],
  });
  try {
    const port = service.ports[0]!.port;
    const a = await rawClient(port);
    const b = await rawClient(port);
    for (const c of [a, b]) await c.until('\r\n');
    a.send('USER root\r\nPASS guess\r\nUSER second\r\nPASS p2\r\n');
    // USER's reply is out: a's check (40-70 ms) is running and the rest of its bytes wait
    assert.equal(await a.until('root.\r\n'), '331 Password required for root.\r\n');
    b.send(`USER ${'z'.repeat(40)}\r\n`);
    await b.until('\r\n');
    assert.equal(
      await a.until('failed.\r\n331 Password required for second.\r\n530 Sorry, Authentication failed.\r\n'),
      '530 Sorry, Authentication failed.\r\n331 Password required for second.\r\n530 Sorry, Authentication failed.\r\n',
    );
    assert.deepEqual(logins(h.records), [
      ['root', 'guess'],
      ['second', 'p2'],
    ]);
    for (const c of [a, b]) c.s.destroy();
  } finally {
    await stop();
  }
});
