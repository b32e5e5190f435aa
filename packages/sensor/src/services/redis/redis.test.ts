/** Redis honeypot against the real redis-cli and raw sockets: exact replies and exact 17001 records. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';

const run = promisify(execFile);
const CLI = '/usr/bin/redis-cli';

/** Sends `data`, collects everything until the server closes or `until` bytes arrive. */
function raw(port: number, data: string | Buffer, until?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => {
      got += d.toString('utf8');
      if (until !== undefined && got.includes(until)) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(data);
  });
}

describe('redis honeypot', () => {
  let svc: Awaited<ReturnType<typeof startService>>;
  let port = 0;
  const since = () => svc.h.records.length;

  before(async () => {
    svc = await startService(factory, { 'redis.port': 0 });
    port = svc.service.ports[0]!.port;
  });
  after(() => svc.stop());

  const cli = async (...args: string[]) => (await run(CLI, ['-p', String(port), ...args])).stdout.trim();
  const skip = existsSync(CLI) ? false : 'redis-cli not installed';

  it('redis-cli ping -> NOAUTH, logged before the reply', { skip }, async () => {
    const n = since();
    assert.equal(await cli('ping'), 'NOAUTH Authentication required.');
    const r = svc.h.records[n]!;
    assert.equal(r.logtype, 17001);
    assert.deepEqual(r.logdata, { CMD: 'PING', ARGS: '' });
    assert.equal(r.conn?.src_host, '127.0.0.1');
    assert.equal(r.conn?.dst_port, port);
  });

  it('config set dir /tmp (container command) -> NOAUTH', { skip }, async () => {
    const n = since();
    assert.equal(await cli('config', 'set', 'dir', '/tmp'), 'NOAUTH Authentication required.');
    assert.deepEqual(svc.h.records[n]!.logdata, { CMD: 'CONFIG', ARGS: 'set dir /tmp' });
  });

  it('auth x -> WRONGPASS (Redis 7 text)', { skip }, async () => {
    const n = since();
    assert.equal(await cli('auth', 'x'), 'WRONGPASS invalid username-password pair or user is disabled.');
    assert.deepEqual(svc.h.records[n]!.logdata, { CMD: 'AUTH', ARGS: 'x' });
  });

  it('unknown command, wrong arity, unknown subcommand: Redis 7.0 texts', async () => {
    const n = since();
    const got = await raw(
      port,
      '*3\r\n$6\r\nfoobar\r\n$1\r\na\r\n$2\r\nbc\r\n*1\r\n$3\r\nget\r\n*2\r\n$6\r\nCONFIG\r\n$4\r\nnope\r\n*1\r\n$4\r\nQUIT\r\n',
    );
    assert.equal(
      got,
      "-ERR unknown command 'foobar', with args beginning with: 'a' 'bc' \r\n" +
        "-ERR wrong number of arguments for 'get' command\r\n" +
        "-ERR unknown subcommand 'nope'. Try CONFIG HELP.\r\n" +
        '+OK\r\n',
    );
    assert.deepEqual(
      svc.h.records.slice(n).map((r) => r.logdata),
      [
        { CMD: 'FOOBAR', ARGS: 'a bc' },
        { CMD: 'GET', ARGS: '' },
        { CMD: 'CONFIG', ARGS: 'nope' },
      ],
    );
  });

  it('inline commands with quotes via a raw socket (as nc sends them), pipelined', async () => {
    const n = since();
    const got = await raw(port, 'PING\r\nset "a b" \'c\'\nMODULE LOAD /tmp/exp.so\r\nQUIT\r\n');
    assert.equal(got, `${'-NOAUTH Authentication required.\r\n'.repeat(3)}+OK\r\n`);
    assert.deepEqual(
      svc.h.records.slice(n).map((r) => r.logdata),
      [
        { CMD: 'PING', ARGS: '' },
        { CMD: 'SET', ARGS: 'a b c' },
        { CMD: 'MODULE', ARGS: 'LOAD /tmp/exp.so' },
      ],
    );
  });

  it('partial frames are buffered; long args truncated at redis.max_arg_length', async () => {
    const n = since();
    const long = 'x'.repeat(40);
    const frame = Buffer.from(`*2\r\n$4\r\nECHO\r\n$40\r\n${long}\r\n`);
    const got = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let acc = '';
      s.on('data', (d) => {
        acc += d;
        s.destroy();
        resolve(acc);
      });
      s.on('error', reject);
      // drip the frame a few bytes at a time
      let i = 0;
      const step = () => {
        if (i >= frame.length) return;
        s.write(frame.subarray(i, i + 5), step);
        i += 5;
      };
      step();
    });
    assert.equal(got, '-NOAUTH Authentication required.\r\n');
    assert.deepEqual(svc.h.records[n]!.logdata, { CMD: 'ECHO', ARGS: `${'x'.repeat(30)}(and 10 more bytes)` });
  });

  it('protocol errors close the connection; unbalanced quotes; oversize input counted', async () => {
    assert.equal(await raw(port, '*1\r\n+x\r\n'), "-ERR Protocol error: expected '$', got '+'\r\n");
    assert.equal(await raw(port, 'set "a\r\n'), '-ERR Protocol error: unbalanced quotes in request\r\n');
    assert.equal(await raw(port, '*x\r\n'), '-ERR Protocol error: invalid multibulk length\r\n');
    assert.equal(await raw(port, 'A'.repeat(70 * 1024)), '-ERR Protocol error: too big inline request\r\n');
    assert.equal(svc.h.counts.get('redis:oversize'), 1);
  });

  it('AUTH with username and password (ACL form) and HELLO', async () => {
    const got = await raw(port, 'AUTH default hunter2\r\nHELLO 3\r\nHELLO 3 AUTH u p\r\nQUIT\r\n');
    assert.equal(
      got,
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
        '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n' +
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n',
    );
  });
});
