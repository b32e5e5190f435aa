/**
 * MongoDB honeypot: an auth-enabled mongod (default 7.0.14, mongodb.version). hello/isMaster, buildInfo
 * and ping answer as a real server does without credentials; saslStart/authenticate fail with code 18
 * AuthenticationFailed; every other command gets code 13 Unauthorized. Records mirror OpenCanary's
 * mongodb module: 20001 with action mongodb.connection / command / auth_attempt / error / disconnect
 * (plus `db`). OP_QUERY gets OP_REPLY (what drivers expect), OP_MSG gets OP_MSG. Hand-written framing:
 * no maintained library implements a mongod's side of the wire protocol for a honeypot.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { type Document, Double, Long, ObjectId } from 'bson';
import { LOGTYPE } from '../../log/logtypes.ts';
import { tcpService } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory } from '../../service/types.ts';
import { OP_MSG, OP_QUERY, opMsg, opReply, parseMessage, pyRepr, type Request } from './wire.ts';

const NAME = 'mongodb';
/** Kyoka bounds a pending message at 64 KiB (a real mongod allows 48 MB; no login needs that). */
const MAX_MESSAGE = 64 * 1024;
const WIRE: Record<string, number> = {
  '3.6': 6,
  '4.0': 7,
  '4.2': 8,
  '4.4': 9,
  '5.0': 13,
  '6.0': 17,
  '7.0': 21,
  '8.0': 25,
};

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const version = String(ctx.conf.get<string>('mongodb.version', '7.0.14'));
  const parts = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const maxWire = WIRE[`${parts[0]}.${parts[1]}`] ?? 21;
  const processId = new ObjectId();
  const gitVersion = randomBytes(20).toString('hex');
  let connectionId = 1 + Math.floor(Math.random() * 500);
  let nextRequestId = 1 + Math.floor(Math.random() * 1e6);

  const log = (meta: ConnMeta, data: Record<string, unknown>) => ctx.log(meta, LOGTYPE.MONGODB, data);

  function hello(req: Document, id: number): Document {
    const legacy = 'isMaster' in req || 'ismaster' in req;
    const d: Document = {};
    if (req.helloOk) d.helloOk = true;
    d[legacy ? 'ismaster' : 'isWritablePrimary'] = true;
    d.topologyVersion = { processId, counter: Long.fromInt(0) };
    d.maxBsonObjectSize = 16777216;
    d.maxMessageSizeBytes = 48000000;
    d.maxWriteBatchSize = 100000;
    d.localTime = new Date();
    d.logicalSessionTimeoutMinutes = 30;
    d.connectionId = id;
    d.minWireVersion = 0;
    d.maxWireVersion = maxWire;
    d.readOnly = false;
    if (typeof req.saslSupportedMechs === 'string') d.saslSupportedMechs = ['SCRAM-SHA-1', 'SCRAM-SHA-256'];
    d.ok = new Double(1);
    return d;
  }

  function buildInfo(): Document {
    return {
      version,
      gitVersion,
      modules: [],
      allocator: 'tcmalloc',
      javascriptEngine: 'mozjs',
      sysInfo: 'deprecated',
      versionArray: [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, 0],
      openssl: { running: 'OpenSSL 3.0.15 3 Sep 2024', compiled: 'OpenSSL 3.0.2 15 Mar 2022' },
      bits: 64,
      debug: false,
      maxBsonObjectSize: 16777216,
      storageEngines: ['devnull', 'wiredTiger'],
      ok: new Double(1),
    };
  }

  const authFailed = () => ({
    ok: new Double(0),
    errmsg: 'Authentication failed.',
    code: 18,
    codeName: 'AuthenticationFailed',
  });
  const unauthorized = (cmd: string) => ({
    ok: new Double(0),
    errmsg: `Command ${cmd} requires authentication`,
    code: 13,
    codeName: 'Unauthorized',
  });

  /** Logs the attempt the way OpenCanary does: SCRAM user from the payload's n=, bytes as hex. */
  function logAuth(meta: ConnMeta, doc: Document, db: string): void {
    let username: unknown = doc.user ?? doc.username ?? 'unknown';
    const payload = doc.payload as { buffer?: Uint8Array } | undefined;
    if (username === 'unknown' && payload?.buffer) {
      const m = /n=(.+?),/.exec(Buffer.from(payload.buffer).toString('utf8'));
      if (m) username = m[1];
    }
    log(meta, {
      action: 'mongodb.auth_attempt',
      username,
      mechanism: doc.mechanism ?? 'SCRAM-SHA-1',
      auth_data: pyRepr(doc),
      db,
    });
  }

  /** The reply document for a command, logging first. */
  function answer(meta: ConnMeta, req: Request, connId: number): Document {
    const doc = req.doc ?? {};
    const name = Object.keys(doc)[0] ?? 'unknown';
    const db = req.opcode === OP_QUERY ? req.collection.split('.')[0]! : String(doc.$db ?? '');
    if (req.opcode === OP_QUERY)
      log(meta, { action: 'mongodb.command', command: `query:${req.collection}`, query: pyRepr(doc), db });
    if ('saslStart' in doc || 'authenticate' in doc) {
      logAuth(meta, doc, db);
      return authFailed();
    }
    const lower = name.toLowerCase();
    if (lower === 'hello' || lower === 'ismaster') return hello(doc, connId);
    if (req.opcode === OP_MSG) log(meta, { action: 'mongodb.command', command: name, query: pyRepr(doc), db });
    if (lower === 'buildinfo') return buildInfo();
    if (lower === 'ping') return { ok: new Double(1) };
    return unauthorized(name);
  }

  function onConnection(socket: Socket, meta: ConnMeta): void {
    const connId = connectionId++;
    log(meta, { action: 'mongodb.connection' });
    socket.once('close', () => log(meta, { action: 'mongodb.disconnect' }));
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (!done && buf.length >= 16) {
        const len = buf.readInt32LE(0);
        if (len < 16 || len > MAX_MESSAGE) {
          done = true;
          ctx.count(NAME, len > MAX_MESSAGE ? 'oversize' : 'malformed');
          log(meta, { action: 'mongodb.error', error: `Invalid message length: ${len >>> 0}` });
          socket.destroy();
          return;
        }
        if (buf.length < len) break;
        const m = buf.subarray(0, len);
        buf = buf.subarray(len);
        let req: Request;
        try {
          req = parseMessage(m);
        } catch (err) {
          ctx.count(NAME, 'malformed');
          log(meta, { action: 'mongodb.error', error: (err as Error).message || 'Invalid BSON' });
          continue;
        }
        if (req.opcode !== OP_MSG && req.opcode !== OP_QUERY) {
          // opcodes removed from modern servers: mongod closes the connection
          done = true;
          ctx.count(NAME, 'unsupported_opcode');
          log(meta, { action: 'mongodb.error', error: `Unsupported opcode: ${req.opcode}` });
          socket.destroy();
          return;
        }
        const reply = answer(meta, req, connId);
        if (req.noReply) continue;
        const id = nextRequestId++ & 0x7fffffff;
        socket.write(req.opcode === OP_MSG ? opMsg(req.requestId, reply, id) : opReply(req.requestId, reply, id));
      }
    });
  }

  return tcpService(ctx, 'mongodb', 27017, onConnection);
};
