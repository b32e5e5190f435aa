/**
 * Conn conformance: the same suite over both transports listenTcp hands a service that takes a
 * Conn: 'raw' (raw-tcp.ts, libuv handles) and 'net' (net.Socket, with kyoka.raw_tcp false). A real
 * node:net client on loopback is the peer. Then the choice of transport and the raw-only limits.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { KyokaError } from '@kyoka/core';
import type { ConnMeta } from '../service/types.ts';
import { harness } from '../testing/harness.ts';
import type { Conn } from './conn.ts';
import { asSocket, MAX_WRITE_QUEUE, rawTcp } from './raw-tcp.ts';
import { listenTcp, type TcpListener } from './tcp.ts';

type H = ReturnType<typeof harness>;

async function serve(
  transport: 'raw' | 'net',
  onConn: (conn: Conn, meta: ConnMeta) => void,
  conf: Record<string, unknown> = {},
  opts: { idleMs?: number } = {},
): Promise<{ l: TcpListener; h: H; close(): Promise<void> }> {
  const h = harness({ 'kyoka.raw_tcp': transport === 'raw', ...conf });
  const l = await listenTcp(h.ctx, { service: 'x', port: 0, onConn, ...opts });
  assert.equal(l.transport, transport);
  return {
    l,
    h,
    close: async () => {
      await l.close();
      h.cleanup();
    },
  };
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => resolve(c));
    c.on('error', reject);
  });
}

/** Everything the client receives until the server's FIN (or a reset): [text, how it ended]. */
function drain(c: Socket): Promise<[string, 'end' | 'reset']> {
  return new Promise((resolve) => {
    let got = '';
    c.on('data', (d) => {
      got += d;
    });
    c.on('end', () => resolve([got, 'end']));
    c.on('error', () => resolve([got, 'reset']));
  });
}

const once = <T>(register: (resolve: (v: T) => void) => void) => new Promise<T>(register);
const transports = (rawTcp() ? ['raw', 'net'] : ['net']) as Array<'raw' | 'net'>;

for (const transport of transports) {
  describe(`Conn over ${transport}`, () => {
    it('data with `this` = the conn; string and Buffer writes arrive in order; byte counters; addresses', async () => {
      let conn: Conn | undefined;
      let meta: ConnMeta | undefined;
      const seen: Array<[string, boolean]> = [];
      const s = await serve(transport, (c, m) => {
        conn = c;
        meta = m;
        c.on('data', function (this: Conn, chunk: Buffer) {
          seen.push([chunk.toString(), this === c]);
          c.write(`echo:${chunk}|`);
          c.write(Buffer.from('buf|'));
        });
      });
      try {
        const c = await client(s.l.port);
        const got = once<string>((r) => {
          let all = '';
          c.on('data', (d) => {
            all += d;
            if (all.endsWith('buf|')) r(all);
          });
        });
        c.write('hello');
        assert.equal(await got, 'echo:hello|buf|');
        assert.deepEqual(seen, [['hello', true]]);
        assert.equal(conn!.bytesRead, 5);
        assert.equal(conn!.bytesWritten, 15);
        assert.equal(conn!.remoteAddress?.replace('::ffff:', ''), '127.0.0.1');
        assert.equal(conn!.remotePort, c.localPort);
        assert.equal(conn!.localPort, s.l.port);
        assert.deepEqual(meta, {
          src_host: '127.0.0.1',
          src_port: c.localPort,
          dst_host: '127.0.0.1',
          dst_port: s.l.port,
        });
        c.destroy();
      } finally {
        await s.close();
      }
    });

    it("end(chunk): the chunk, then FIN; 'close' once after the peer's FIN", async () => {
      let closes = 0;
      let onClose!: () => void;
      const closed = new Promise<void>((r) => {
        onClose = r;
      });
      const s = await serve(transport, (c) => {
        c.on('close', () => {
          closes++;
          onClose();
        });
        c.on('data', () => {
          c.end('bye\r\n');
          assert.equal(c.writableEnded, true);
          assert.equal(c.write('late'), false, 'nothing goes out after end()');
        });
      });
      try {
        const c = await client(s.l.port);
        const ended = drain(c);
        c.write('x');
        assert.deepEqual(await ended, ['bye\r\n', 'end']);
        c.end();
        await closed;
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(closes, 1);
      } finally {
        await s.close();
      }
    });

    it("the peer's FIN is answered with ours and the conn closes", async () => {
      let onClose!: () => void;
      const closed = new Promise<void>((r) => {
        onClose = r;
      });
      const s = await serve(transport, (c) => {
        c.on('data', () => {});
        c.on('close', onClose);
      });
      try {
        const c = await client(s.l.port);
        const ended = drain(c);
        c.end();
        await closed;
        assert.deepEqual(await ended, ['', 'end']);
      } finally {
        await s.close();
      }
    });

    it('destroySoon after a write: the reply, then FIN, closed without waiting for the client', async () => {
      let onClose!: () => void;
      const closed = new Promise<void>((r) => {
        onClose = r;
      });
      const s = await serve(transport, (c) => {
        c.on('close', onClose);
        c.on('data', () => {
          c.write('221 Goodbye.\r\n');
          c.destroySoon();
        });
      });
      try {
        const c = await client(s.l.port);
        const ended = drain(c);
        c.write('QUIT\r\n');
        assert.deepEqual(await ended, ['221 Goodbye.\r\n', 'end']);
        await closed; // the client has not closed its side
        assert.equal(c.destroyed, false);
        c.destroy();
      } finally {
        await s.close();
      }
    });

    it("destroy: the client sees the close; writes after it are refused; 'close' once", async () => {
      let closes = 0;
      let conn!: Conn;
      const s = await serve(transport, (c) => {
        conn = c;
        c.on('close', () => closes++);
        c.on('data', () => {
          c.destroy();
          c.destroy();
        });
      });
      try {
        const c = await client(s.l.port);
        const ended = drain(c);
        c.write('x');
        const [text] = await ended;
        assert.equal(text, '');
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(conn.destroyed, true);
        assert.equal(conn.write('x'), false);
        assert.equal(closes, 1);
      } finally {
        await s.close();
      }
    });

    it('cork holds writes until uncork; they arrive whole and in order', async () => {
      const s = await serve(transport, (c) => {
        c.on('data', () => {
          c.cork();
          c.write('one|');
          c.write(Buffer.from('two|'));
          c.write(new Uint8Array([116, 104, 114, 101, 101]));
          c.uncork();
          c.end();
        });
      });
      try {
        const c = await client(s.l.port);
        const ended = drain(c);
        c.write('go');
        assert.deepEqual(await ended, ['one|two|three', 'end']);
        c.destroy();
      } finally {
        await s.close();
      }
    });

    it('pause stops data events until resume', async () => {
      const chunks: string[] = [];
      let conn!: Conn;
      const s = await serve(transport, (c) => {
        conn = c;
        c.on('data', (d) => {
          chunks.push(String(d));
          c.pause();
        });
      });
      try {
        const c = await client(s.l.port);
        c.write('one');
        await new Promise((r) => setTimeout(r, 100));
        c.write('two');
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(chunks, ['one']);
        conn.resume();
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(chunks, ['one', 'two']);
        c.destroy();
      } finally {
        await s.close();
      }
    });

    // net.Socket emits outside listenTcp's reach: there a throwing 'data' listener is uncaught
    it('a throwing handler costs its connection, counted, and the listener keeps serving', {
      skip: transport === 'net' && 'net.Socket listeners run outside the guard',
    }, async () => {
      const s = await serve(transport, (c) => {
        c.on('data', (d) => {
          if (String(d) === 'boom') throw new Error('protocol bug');
          c.write('ok');
        });
      });
      try {
        const bad = await client(s.l.port);
        const badEnd = drain(bad);
        bad.write('boom');
        await badEnd;
        const good = await client(s.l.port);
        const got = once<string>((r) => good.once('data', (d) => r(String(d))));
        good.write('hi');
        assert.equal(await got, 'ok');
        good.destroy();
        assert.equal(s.h.counts.get('x:handler_error'), 1);
      } finally {
        await s.close();
      }
    });

    it('per-source limit: the connection over it is closed at once and counted', async () => {
      const s = await serve(transport, (c) => c.on('data', () => {}), { 'kyoka.max_connections_per_source': 2 });
      try {
        const a = await client(s.l.port);
        const b = await client(s.l.port);
        const third = await client(s.l.port);
        await drain(third);
        assert.equal(s.h.counts.get('x:connection_limit'), 1);
        a.destroy();
        await new Promise((r) => setTimeout(r, 100));
        const again = await client(s.l.port);
        const got = await Promise.race([drain(again), new Promise((r) => setTimeout(() => r('open'), 150))]);
        assert.equal(got, 'open', 'a freed slot is usable again');
        again.destroy();
        b.destroy();
      } finally {
        await s.close();
      }
    });

    it('idle connections are dropped by the sweep and counted', async () => {
      const s = await serve(transport, (c) => c.on('data', () => {}), {}, { idleMs: 150 });
      try {
        const c = await client(s.l.port);
        const t0 = Date.now();
        await drain(c);
        assert.ok(Date.now() - t0 >= 130);
        assert.equal(s.h.counts.get('x:idle_timeout'), 1);
      } finally {
        await s.close();
      }
    });

    it('a port in use is an error naming the service and the port', async () => {
      const taken = createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      const port = (taken.address() as { port: number }).port;
      // one address, and every address (dual-stack '::', where the port is taken on 127.0.0.1)
      const h = harness({ 'kyoka.raw_tcp': transport === 'raw', 'device.listen_addr': '127.0.0.1' });
      const all = harness({ 'kyoka.raw_tcp': transport === 'raw', 'device.listen_addr': '' });
      try {
        for (const x of [h, all])
          await assert.rejects(
            listenTcp(x.ctx, { service: 'ftp', port, onConn: () => {} }),
            (e: unknown) =>
              e instanceof KyokaError && e.code === 'KYOKA_E_PORT_IN_USE' && /already in use/.test(e.message),
          );
      } finally {
        taken.close();
        h.cleanup();
        all.cleanup();
      }
    });
  });
}

describe('transport choice', () => {
  it('onConn gets the raw transport by default; PROXY protocol and onConnection get node:net', async (t) => {
    if (!rawTcp()) return t.skip('no raw TCP bindings in this Node.js');
    const cases: Array<[Record<string, unknown>, boolean, 'raw' | 'net']> = [
      [{}, true, 'raw'],
      [{ 'kyoka.raw_tcp': false }, true, 'net'],
      [{ 'kyoka.proxy_protocol': true }, true, 'net'],
      [{}, false, 'net'],
    ];
    for (const [conf, anyConn, want] of cases) {
      const h = harness(conf);
      const l = await listenTcp(
        h.ctx,
        anyConn ? { service: 'x', port: 0, onConn: () => {} } : { service: 'x', port: 0, onConnection: () => {} },
      );
      assert.equal(l.transport, want, JSON.stringify(conf));
      await l.close();
      h.cleanup();
    }
  });

  it('raw: a peer that sends but never reads is dropped once its backlog passes the cap', {
    timeout: 20_000,
  }, async (t) => {
    if (!rawTcp()) return t.skip('no raw TCP bindings in this Node.js');
    const big = Buffer.alloc(256 * 1024, 'a');
    let closed!: () => void;
    const gone = new Promise<void>((r) => {
      closed = r;
    });
    let written = 0;
    const s = await serve('raw', (c) => {
      c.on('close', closed);
      c.on('data', () => {
        // the kernel's socket buffers take several MiB first: write until the cap trips (64 MiB at most)
        for (let i = 0; i < (64 * MAX_WRITE_QUEUE) / big.length && c.write(big); i++) written += big.length;
      });
    });
    try {
      const c = await client(s.l.port);
      c.pause(); // never reads (so it does not see the reset either)
      c.write('go');
      await gone;
      assert.equal(s.h.counts.get('x:socket_error'), 1);
      assert.ok(written < 32 * MAX_WRITE_QUEUE, `dropped after ${written} bytes`);
      c.destroy();
    } finally {
      await s.close();
    }
  });

  for (const transport of transports)
    it(`${transport}: asSocket hands the connection to a net.Socket; the listener's record follows it`, async () => {
      let conn!: Conn;
      let socket: Socket | null = null;
      let closed!: () => void;
      const gone = new Promise<void>((r) => {
        closed = r;
      });
      const s = await serve(
        transport,
        (c) => {
          conn = c;
          c.on('close', closed);
          c.write('hello\n');
          c.on('data', (d) => {
            if (socket) return; // on node:net the socket is the conn: its listener stays
            socket = asSocket(c);
            assert.ok(socket);
            socket.pause();
            socket.unshift(d);
            socket.on('data', (x) => socket?.write(`echo:${x}`));
            socket.resume();
          });
        },
        {},
        { idleMs: 60_000 },
      );
      try {
        const c = await client(s.l.port);
        const got = drain(c);
        c.write('one');
        await new Promise((r) => setTimeout(r, 50));
        c.write('two');
        await new Promise((r) => setTimeout(r, 50));
        const before = conn.bytesRead;
        assert.ok(before >= 6, `bytesRead ${before}`);
        assert.ok((conn.bytesWritten ?? 0) >= 'hello\necho:oneecho:two'.length);
        conn.destroy(); // the listener's destroy (idle sweep, shutdown) reaches the socket
        await gone;
        assert.equal((socket as Socket | null)?.destroyed, true);
        assert.deepEqual(await got, ['hello\necho:oneecho:two', 'end']);
      } finally {
        await s.close();
      }
    });
});
