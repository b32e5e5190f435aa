/**
 * Group commit (commit.ts): records logged while a raw connection is handled share one file write,
 * and that connection's reply, end or destroy waits for it. Real loopback clients, a real
 * file handler, the raw transport with and without the group.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Conn } from '../net/conn.ts';
import { asSocket, rawTcp } from '../net/raw-tcp.ts';
import { listenTcp } from '../net/tcp.ts';
import type { ConnMeta, ServiceContext } from '../service/types.ts';
import { factory as httpFactory } from '../services/http/index.ts';
import { harness, memoryConf } from '../testing/harness.ts';
import { CommitGroup, type Holder } from './commit.ts';
import { createLogger } from './logger.ts';

/** A ServiceContext whose log is a real logger with a file handler, sharing one CommitGroup. */
function groupContext(conf: Record<string, unknown> = {}) {
  const h = harness(conf);
  const file = join(h.ctx.stateDir, 'opencanary.log');
  const commit = new CommitGroup();
  const logger = createLogger({
    conf: memoryConf({
      logger: { class: 'PyLogger', kwargs: { handlers: { file: { class: 'logging.FileHandler', filename: file } } } },
    }),
    nodeId: 'n1',
    env: { count: () => {}, debug: () => {}, stateDir: h.ctx.stateDir },
    commit,
  });
  const ctx: ServiceContext = { ...h.ctx, commit, log: logger.log };
  return {
    ctx,
    commit,
    logged: () => readFileSync(file, 'utf8'),
    close: async () => {
      await logger.close();
      h.cleanup();
    },
  };
}

/** A raw listener on a groupContext; `log(what)` logs a record from the handler. */
async function serve(onConn: (conn: Conn, meta: ConnMeta, log: (what: string) => void) => void) {
  const g = groupContext();
  const log = (what: string) => g.ctx.log(null, 99, { what });
  const l = await listenTcp(g.ctx, { service: 'x', port: 0, onConn: (c, m) => onConn(c, m, log) });
  assert.equal(l.transport, 'raw');
  return {
    port: l.port,
    commit: g.commit,
    log,
    logged: g.logged,
    close: async () => {
      await l.close();
      await g.close();
    },
  };
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => resolve(c));
    c.on('error', reject);
  });
}

/** Everything the client receives until the server's FIN or a reset. */
function drain(c: Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    c.on('data', (d) => {
      got += d;
    });
    c.on('end', () => resolve(got));
    c.on('close', () => resolve(got));
  });
}

describe('CommitGroup', () => {
  it('defers only inside a connection; one flush writes the sinks, then releases each held connection once', async () => {
    const g = new CommitGroup();
    const order: string[] = [];
    g.addSink(() => order.push('sink'));
    assert.equal(g.defer(), false, 'no connection is being handled');
    const holder = (name: string): Holder => {
      return {
        holdOutput: () => true,
        releaseOutput: () => {
          order.push(name);
        },
      };
    };
    const a = holder('a');
    const b = holder('b');
    for (const [c, n] of [
      [a, 2],
      [b, 1],
    ] as const) {
      const prev = g.enter(c);
      for (let i = 0; i < n; i++) assert.equal(g.defer(), true);
      g.leave(prev);
    }
    assert.deepEqual(order, []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['sink', 'a', 'b']);
    assert.deepEqual([g.flushes, g.records], [1, 3]);
  });
});

describe('group commit on raw connections', { skip: rawTcp() ? false : 'no raw transport' }, () => {
  it('the record is in the file before the reply leaves; the write waits for the group', async () => {
    let conn!: Conn;
    let writtenAtFlush = -1;
    const s = await serve((c, _m, log) => {
      conn = c;
      c.on('data', () => {
        log('ping');
        c.write('+PONG\r\n');
        assert.equal(c.bytesWritten, 0, 'held until the group writes the record');
      });
    });
    s.commit.addSink(() => {
      writtenAtFlush = conn.bytesWritten ?? -1;
    });
    try {
      const c = await client(s.port);
      const reply = new Promise<string>((r) => c.once('data', (d) => r(`${d}|${s.logged()}`)));
      c.write('PING\r\n');
      const [text, file] = (await reply).split('|');
      assert.equal(text, '+PONG\r\n');
      assert.match(file!, /"what": "ping"/);
      assert.equal(writtenAtFlush, 0);
      c.destroy();
    } finally {
      await s.close();
    }
  });

  it('end, destroySoon and destroy asked for while held come after the held reply', async () => {
    for (const how of ['end', 'destroySoon', 'destroy'] as const) {
      const s = await serve((c, _m, log) => {
        c.on('data', () => {
          log(how);
          c.write(`bye ${how}`);
          if (how === 'end') c.end('!');
          else if (how === 'destroySoon') c.destroySoon();
          else c.destroy();
          assert.equal(c.write('late'), false, 'nothing more goes out');
        });
      });
      try {
        const c = await client(s.port);
        const got = drain(c);
        c.write('x');
        assert.equal(await got, how === 'end' ? 'bye end!' : `bye ${how}`);
        assert.match(s.logged(), new RegExp(`"what": "${how}"`));
        c.destroy();
      } finally {
        await s.close();
      }
    }
  });

  it('records of connections handled in the same turn share one write', async () => {
    const n = 20;
    let accepted = 0;
    const s = await serve((c, _m, log) => {
      accepted++;
      c.on('data', () => {
        log('hit');
        c.end('ok');
      });
    });
    try {
      const clients = await Promise.all(Array.from({ length: n }, () => client(s.port)));
      const replies = clients.map(drain);
      while (accepted < n) await new Promise((r) => setTimeout(r, 5));
      for (const c of clients) c.write('x');
      assert.deepEqual(await Promise.all(replies), Array(n).fill('ok'));
      assert.equal(s.logged().split('\n').filter(Boolean).length, n);
      assert.equal(s.commit.records, n);
      assert.ok(s.commit.flushes < n, `${s.commit.flushes} writes for ${n} records`);
    } finally {
      await s.close();
    }
  });

  it('a record logged outside a connection (a timer) is written at once', async () => {
    const s = await serve(() => {});
    try {
      const inFile = await new Promise<string>((resolve) =>
        setTimeout(() => {
          s.log('timer');
          resolve(s.logged());
        }, 1),
      );
      assert.match(inFile, /"what": "timer"/);
      assert.equal(s.commit.records, 0);
    } finally {
      await s.close();
    }
  });

  it('asSocket on a held connection sends the held reply first, after its record', async () => {
    const s = await serve((c, _m, log) => {
      c.on('data', (d) => {
        log('handover');
        c.write('held|');
        const sock = asSocket(c);
        assert.ok(sock);
        // the socket writes past the conn: a record logged now cannot wait for the group
        log('taken over');
        assert.match(s.logged(), /"what": "taken over"/);
        sock.write(`socket:${d}`);
      });
    });
    try {
      const c = await client(s.port);
      const got = new Promise<[string, string]>((r) => {
        let text = '';
        c.on('data', (d) => {
          if (text === '') r([`${d}`.slice(0, 5), s.logged()]);
          text += d;
        });
      });
      c.write('hi');
      const [first, file] = await got;
      assert.equal(first, 'held|');
      assert.match(file, /"what": "handover"/);
      c.destroy();
    } finally {
      await s.close();
    }
  });
});

describe('group commit on node:http (the http service)', () => {
  it('a logged request is answered after the group wrote its record; GET and POST', async () => {
    const g = groupContext({ 'http.port': 0 });
    const svc = httpFactory(g.ctx);
    await svc.start();
    const ask = (req: string) =>
      new Promise<[string, string]>((resolve, reject) => {
        const c = connect(svc.ports[0]!.port, '127.0.0.1');
        c.once('data', (d) => {
          resolve([`${d}`.split('\r\n')[0]!, g.logged()]);
          c.destroy();
        });
        c.on('error', reject);
        c.write(req);
      });
    try {
      const [status, file] = await ask('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal(status, 'HTTP/1.1 200 OK');
      assert.match(file, /"logtype": 3000/);
      const body = 'username=admin&password=hunter2';
      const [status2, file2] = await ask(
        `POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      assert.equal(status2, 'HTTP/1.1 200 OK');
      assert.match(file2, /"PASSWORD": "hunter2"/);
      assert.equal(g.commit.records, 2, 'both records went through the group');
    } finally {
      await svc.stop();
      await g.close();
    }
  });
});
