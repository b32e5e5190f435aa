/** MongoDB honeypot driven by a raw OP_MSG / OP_QUERY client: exact replies and exact 20001 records. */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Binary, type Document, deserialize, serialize } from 'bson';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';

function opMsg(id: number, doc: Document): Buffer {
  const body = serialize(doc);
  const h = Buffer.alloc(21);
  h.writeInt32LE(21 + body.length, 0);
  h.writeInt32LE(id, 4);
  h.writeInt32LE(2013, 12);
  return Buffer.concat([h, body]);
}

function opQuery(id: number, coll: string, doc: Document): Buffer {
  const body = serialize(doc);
  const name = Buffer.from(`${coll}\0`);
  const h = Buffer.alloc(20);
  h.writeInt32LE(20 + name.length + 8 + body.length, 0);
  h.writeInt32LE(id, 4);
  h.writeInt32LE(2004, 12);
  return Buffer.concat([h, name, Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), body]);
}

/** Sends one message and returns {opcode, responseTo, doc} of the reply. */
function roundTrip(s: Socket, msg: Buffer): Promise<{ opcode: number; responseTo: number; doc: Document }> {
  return new Promise((resolve, reject) => {
    let acc = Buffer.alloc(0);
    const on = (d: Buffer) => {
      acc = Buffer.concat([acc, d]);
      if (acc.length < 4 || acc.length < acc.readInt32LE(0)) return;
      s.off('data', on);
      const opcode = acc.readInt32LE(12);
      const at = opcode === 2013 ? 21 : 36;
      resolve({ opcode, responseTo: acc.readInt32LE(8), doc: deserialize(acc.subarray(at)) });
    };
    s.on('data', on);
    s.once('error', reject);
    s.write(msg);
  });
}

describe('mongodb honeypot', () => {
  let svc: Awaited<ReturnType<typeof startService>>;
  let port = 0;
  before(async () => {
    svc = await startService(factory, { 'mongodb.port': 0 });
    port = svc.service.ports[0]!.port;
  });
  after(() => svc.stop());

  it('hello, buildInfo, saslStart, find over OP_MSG; records mirror OpenCanary', async () => {
    const n = svc.h.records.length;
    const s = connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));

    const h = await roundTrip(s, opMsg(7, { hello: 1, helloOk: true, $db: 'admin' }));
    assert.equal(h.opcode, 2013);
    assert.equal(h.responseTo, 7);
    assert.equal(h.doc.isWritablePrimary, true);
    assert.equal(h.doc.maxWireVersion, 21);
    assert.equal(h.doc.ok, 1);
    assert.equal('version' in h.doc, false);

    const b = await roundTrip(s, opMsg(8, { buildInfo: 1, $db: 'admin' }));
    assert.equal(b.doc.version, '7.0.14');
    assert.deepEqual(b.doc.versionArray, [7, 0, 14, 0]);

    const payload = new Binary(Buffer.from('n,,n=admin,r=abcdef'));
    const a = await roundTrip(s, opMsg(9, { saslStart: 1, mechanism: 'SCRAM-SHA-256', payload, $db: 'admin' }));
    assert.deepEqual(a.doc, { ok: 0, errmsg: 'Authentication failed.', code: 18, codeName: 'AuthenticationFailed' });

    const f = await roundTrip(s, opMsg(10, { listDatabases: 1, $db: 'admin' }));
    assert.deepEqual(f.doc, {
      ok: 0,
      errmsg: 'Command listDatabases requires authentication',
      code: 13,
      codeName: 'Unauthorized',
    });
    s.destroy();
    await svc.h.waitFor((r) => r.logdata.action === 'mongodb.disconnect');

    const hex = Buffer.from('n,,n=admin,r=abcdef').toString('hex');
    assert.deepEqual(
      svc.h.records.slice(n).map((r) => [r.logtype, r.logdata]),
      [
        [20001, { action: 'mongodb.connection' }],
        [
          20001,
          { action: 'mongodb.command', command: 'buildInfo', query: "{'buildInfo': 1, '$db': 'admin'}", db: 'admin' },
        ],
        [
          20001,
          {
            action: 'mongodb.auth_attempt',
            username: 'admin',
            mechanism: 'SCRAM-SHA-256',
            auth_data: `{'saslStart': 1, 'mechanism': 'SCRAM-SHA-256', 'payload': '${hex}', '$db': 'admin'}`,
            db: 'admin',
          },
        ],
        [
          20001,
          {
            action: 'mongodb.command',
            command: 'listDatabases',
            query: "{'listDatabases': 1, '$db': 'admin'}",
            db: 'admin',
          },
        ],
        [20001, { action: 'mongodb.disconnect' }],
      ],
    );
  });

  it('legacy OP_QUERY isMaster gets an OP_REPLY and is logged as query:admin.$cmd', async () => {
    const n = svc.h.records.length;
    const s = connect(port, '127.0.0.1');
    const r = await roundTrip(s, opQuery(3, 'admin.$cmd', { isMaster: 1 }));
    assert.equal(r.opcode, 1);
    assert.equal(r.responseTo, 3);
    assert.equal(r.doc.ismaster, true);
    s.destroy();
    await svc.h.waitFor((x, i = svc.h.records.indexOf(x)) => i >= n && x.logdata.action === 'mongodb.disconnect');
    assert.deepEqual(svc.h.records[n + 1]!.logdata, {
      action: 'mongodb.command',
      command: 'query:admin.$cmd',
      query: "{'isMaster': 1}",
      db: 'admin',
    });
  });

  it('invalid length and broken BSON: mongodb.error, no crash', async () => {
    const n = svc.h.records.length;
    const bad = Buffer.alloc(16);
    bad.writeInt32LE(3, 0);
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write(bad));
      s.on('close', () => resolve());
    });
    await svc.h.waitFor((x) => svc.h.records.indexOf(x) >= n && x.logdata.action === 'mongodb.error');
    assert.deepEqual(svc.h.records.slice(n).find((x) => x.logdata.action === 'mongodb.error')!.logdata, {
      action: 'mongodb.error',
      error: 'Invalid message length: 3',
    });
    const s = connect(port, '127.0.0.1');
    const broken = opMsg(1, { ping: 1 });
    broken.writeInt32LE(999, 21);
    s.write(broken);
    const ok = await roundTrip(s, opMsg(2, { ping: 1, $db: 'admin' }));
    assert.deepEqual(ok.doc, { ok: 1 });
    s.destroy();
    assert.equal(svc.h.counts.get('mongodb:malformed'), 2);
  });
});
