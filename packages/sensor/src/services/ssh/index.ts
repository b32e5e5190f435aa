/**
 * SSH honeypot; every authentication fails. The sensor sends the identification line and a KEXINIT
 * ordered like OpenSSH 9.2's (./algorithms.ts) itself; a client whose KEXINIT agrees on curve25519
 * stays on the lean transport (./lean/), every other one is handed to the ssh2 library's
 * IncomingClient, as Server.injectSocket() does. Host keys are per node (./host-keys.ts).
 *
 * Records (OpenCanary's logtypes and field names):
 *  - 4000 {SESSION: "<n>"} on connect (n counts connections from 0, like Twisted's sessionno);
 *  - 4001 {LOCALVERSION, REMOTEVERSION} when the client's version line arrives;
 *  - 4002 {USERNAME, PASSWORD, LOCALVERSION, REMOTEVERSION} per password (or, when
 *    `ssh.keyboard_interactive` is on, keyboard-interactive) try, honeycred flag with ssh.honeycreds;
 *  - 4002 {USERNAME, LOCALVERSION, REMOTEVERSION, KEY_TYPE, FINGERPRINT, PUBLICKEY} per public-key
 *    try (OpenCanary logs none): KEY_TYPE is the key blob's type ("ssh-ed25519"), FINGERPRINT is
 *    OpenSSH's "SHA256:<unpadded base64>" as `ssh-keygen -lf` prints it, PUBLICKEY the
 *    authorized_keys form "<type> <base64>" (left out above 8 KiB).
 * Methods offered: publickey,password like a stock Debian sshd. Failed passwords wait
 * `ssh.auth_delay_ms` (default 1000, OpenCanary's tarpit) on a timer, holding no buffer. After
 * `ssh.max_auth_tries` (6, OpenSSH's MaxAuthTries) failures the client is disconnected.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { KyokaError } from '@kyoka/core';
import { type HoneycredChecker, honeycredChecker } from '../../auth/honeycreds.ts';
import { LOGTYPE } from '../../log/logtypes.ts';
import type { Conn } from '../../net/conn.ts';
import { asSocket } from '../../net/raw-tcp.ts';
import { listenTcp, type TcpListener } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory, ServicePort } from '../../service/types.ts';
import { type AlgorithmLists, algorithmLists, buildOffer } from './algorithms.ts';
import { loadHostKeys } from './host-keys.ts';
import { type HostSigner, hostSigner } from './lean/kex.ts';
import { negotiate } from './lean/negotiate.ts';
import { type AuthRequest, LeanSession } from './lean/session.ts';
import {
  adoptStartedConnection,
  allowRepeatedUserauthService,
  canPresendKexinit,
  compactHandshake,
  disconnectWithMessage,
  IncomingClient,
  type KexInitOffer,
  kexinitPayload,
  type ParsedKey,
  presendKexinit,
  privateKeyOf,
  RE_IDENT,
  withoutBufferPool,
} from './ssh2-internals.ts';

const NAME = 'ssh';
const DEFAULT_VERSION = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3';
const MAX_PUBLICKEY_LOG = 8 * 1024;
const PROTOCOL_ERROR = 2;

/** How the auth flow ends a connection: DISCONNECT with a message, then close once it is out. */
interface Peer {
  disconnect(reason: number, message: string): void;
}

/** First packets longer than this (ssh2's MAX_PACKET_SIZE) go to ssh2, which refuses them. */
const MAX_PACKET = 35_000;

interface SshState {
  meta: ConnMeta;
  remote: string;
  failures: number;
  timer: NodeJS.Timeout | null;
  closed: boolean;
}

/** OpenSSH's SHA256 fingerprint of a public key blob. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob, or null when the blob is malformed. */
export function blobType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || blob.length < 4 + n) return null;
  const t = blob.toString('latin1', 4, 4 + n);
  return /^[\x21-\x7e]+$/.test(t) ? t : null;
}

/**
 * ssh2 writes each packet as it is built: the answer to one client packet can be several (the
 * key-exchange reply and NEWKEYS). Corked for the turn that handles a chunk, they leave in one
 * writev. Shared functions, nothing per connection.
 */
function corkTurn(this: Socket): void {
  this.cork();
  process.nextTick(uncork, this);
}
function uncork(socket: Socket): void {
  socket.uncork();
}

export const factory: ServiceFactory = (ctx: ServiceContext): HoneypotService => {
  const port = ctx.conf.get<number>('ssh.port', 22);
  const version = String(ctx.conf.get<string>('ssh.version', DEFAULT_VERSION));
  const ident = version.startsWith('SSH-2.0-') ? version.slice(8) : version;
  /** ssh2's _identRaw, shared by every connection (see compactHandshake). */
  const identRaw = Buffer.allocUnsafeSlow(Buffer.byteLength(`SSH-2.0-${ident}`));
  identRaw.write(`SSH-2.0-${ident}`);
  /** The identification line as ssh2 sends it. */
  const identLine = Buffer.concat([identRaw, Buffer.from('\r\n')]);
  const delayMs = Math.max(0, Number(ctx.conf.get<number>('ssh.auth_delay_ms', 1000)) || 0);
  const maxTries = Math.max(1, Number(ctx.conf.get<number>('ssh.max_auth_tries', 6)) || 6);
  const kbdInteractive = ctx.conf.get<boolean>('ssh.keyboard_interactive', false) === true;
  const methods: string[] = kbdInteractive
    ? ['publickey', 'password', 'keyboard-interactive']
    : ['publickey', 'password'];
  const honey: HoneycredChecker | null = honeycredChecker(ctx.conf, NAME, ctx.count);
  const ports: ServicePort[] = [{ port, transport: 'tcp' }];
  let listener: TcpListener | null = null;
  let hostKeys: Record<string, ParsedKey> = {};
  let offer: KexInitOffer | null = null;
  /** The offered lists (host keys: those loaded), for the lean transport's negotiation. */
  let lists: AlgorithmLists | null = null;
  /** Host-key algorithm -> signer, for the lean transport. */
  const signers = new Map<string, HostSigner>();
  const transport = String(ctx.conf.get<string>('ssh.transport', 'lean'));
  const lean = transport === 'lean';
  let session = 0;
  const conns = new WeakMap<object, SshState>();

  // ssh2 reports each client's version line as a 'connection' event on its server object
  const hub = new EventEmitter();
  hub.on('connection', (client: EventEmitter, info: { header: { identRaw: string } }) => {
    const c = conns.get(client);
    if (!c) return;
    if (!c.remote) {
      c.remote = info.header.identRaw.replace(/[\r\n]+$/, '');
      ctx.log(c.meta, LOGTYPE.SSH_REMOTE_VERSION_SENT, { LOCALVERSION: version, REMOTEVERSION: c.remote });
    }
    // ssh2 sends its KEXINIT right after this event, in the same call
    queueMicrotask(() => compactHandshake(client, identRaw));
  });

  function fail(peer: Peer, c: SshState, a: AuthRequest, delay: number): void {
    const done = () => {
      c.timer = null;
      if (c.closed) return;
      if (c.failures >= maxTries) {
        ctx.count(NAME, 'max_auth_tries');
        peer.disconnect(PROTOCOL_ERROR, 'Too many authentication failures');
        return;
      }
      a.reject(methods);
    };
    if (delay > 0) c.timer = setTimeout(done, delay);
    else done();
  }

  function logPassword(peer: Peer, c: SshState, a: AuthRequest, username: string, password: string): void {
    const logdata = { USERNAME: username, PASSWORD: password, LOCALVERSION: version, REMOTEVERSION: c.remote };
    c.failures++;
    if (!honey) {
      ctx.log(c.meta, LOGTYPE.SSH_LOGIN_ATTEMPT, logdata);
      fail(peer, c, a, delayMs);
      return;
    }
    honey.check(username, password, c.meta.src_host).then((opts) => {
      ctx.log(c.meta, LOGTYPE.SSH_LOGIN_ATTEMPT, logdata, opts);
      fail(peer, c, a, delayMs);
    });
  }

  function onAuth(peer: Peer, c: SshState, a: AuthRequest): void {
    if (a.method === 'none') {
      a.reject(methods);
    } else if (a.method === 'password') {
      logPassword(peer, c, a, a.username, a.password ?? '');
    } else if (a.method === 'publickey' && a.key) {
      const blob = a.key.data;
      const logdata: Record<string, unknown> = {
        USERNAME: a.username,
        LOCALVERSION: version,
        REMOTEVERSION: c.remote,
        KEY_TYPE: blobType(blob) ?? a.key.algo,
        FINGERPRINT: fingerprint(blob),
      };
      if (blob.length <= MAX_PUBLICKEY_LOG) logdata.PUBLICKEY = `${logdata.KEY_TYPE} ${blob.toString('base64')}`;
      c.failures++;
      ctx.log(c.meta, LOGTYPE.SSH_LOGIN_ATTEMPT, logdata);
      fail(peer, c, a, 0);
    } else if (a.method === 'keyboard-interactive' && kbdInteractive) {
      a.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
        if (c.closed) return;
        const pw = Array.isArray(answers) && typeof answers[0] === 'string' ? answers[0] : '';
        logPassword(peer, c, a, a.username, pw);
      });
    } else {
      // disabled or unsupported methods count as failures, as in OpenSSH
      c.failures++;
      fail(peer, c, a, 0);
    }
  }

  /**
   * A connection starts without ssh2 (whose objects are ~8 kB per connection) and, where the
   * listener can, on the raw transport (net/raw-tcp.ts): the sensor sends the identification line
   * and, once the client's own line arrived alone, the KEXINIT itself, exactly as ssh2 would, and
   * logs 4001. Scanners that read the banner, and clients that stop after their version line,
   * cost little more than an idle telnet connection. Once the client's first packet (its KEXINIT)
   * is whole, the lean transport takes the connection (tryLean) or it becomes a net.Socket and
   * ssh2 takes over with everything received so far, adopting the KEXINIT already sent. Other
   * first lines and ssh2 compatibility cases that alter the offer go to ssh2 at once, as before.
   */
  function onConn(conn: Conn, meta: ConnMeta): void {
    ctx.log(meta, LOGTYPE.SSH_NEW_CONNECTION, { SESSION: String(session++) });
    if (!canPresendKexinit) {
      const socket = asSocket(conn);
      if (socket) startSsh2(conn, socket, meta, '', false, null);
      else conn.destroy();
      return;
    }
    conn.write(identLine);
    // While idle after its version line, a connection holds only this closure's state: the
    // line (as a string, re-encoded for ssh2 at the handover) and the KEXINIT's cookie.
    let head: Buffer | null = null;
    let remote = '';
    let eol = '';
    let cookie: string | null = null;
    let handed = false;
    // bytes after the version line, kept until the client's first packet (its KEXINIT) is whole
    let pre: Buffer | null = null;
    let leanSession: LeanSession | null = null;
    conn.on('data', (chunk: Buffer) => {
      if (leanSession) return leanSession.feed(chunk);
      if (handed) return; // a net.Socket keeps this listener; ssh2 has the bytes
      if (cookie === null) {
        head = head ? Buffer.concat([head, chunk]) : chunk;
        const nl = head.indexOf(10);
        if (nl === -1 && head.length < 256) return; // the version line is not complete yet
        if (nl !== -1) {
          const line = head.toString('latin1', 0, nl);
          eol = line.endsWith('\r') ? '\r\n' : '\n';
          remote = eol === '\n' ? line : line.slice(0, -1);
          const m = RE_IDENT.exec(remote);
          cookie = m ? presendKexinit((p) => conn.write(p), offer!, m[2] as string) : null;
          if (cookie !== null) {
            ctx.log(meta, LOGTYPE.SSH_REMOTE_VERSION_SENT, { LOCALVERSION: version, REMOTEVERSION: remote });
            chunk = head.subarray(nl + 1);
            head = null;
            if (chunk.length === 0) return;
          } else remote = '';
        }
      }
      if (cookie !== null) {
        pre = pre ? Buffer.concat([pre, chunk]) : chunk;
        if (lean) {
          const taken = tryLean(conn, meta, remote, cookie, pre);
          if (taken === 'wait') return;
          if (taken !== 'ssh2') {
            leanSession = taken;
            pre = null;
            return;
          }
        }
        head = Buffer.concat([Buffer.from(remote + eol, 'latin1'), pre]);
        pre = null;
      }
      handed = true;
      const socket = asSocket(conn);
      if (!socket) {
        ctx.count(NAME, 'handover_failed');
        conn.destroy();
        return;
      }
      socket.pause();
      socket.unshift(head as Buffer);
      head = null;
      startSsh2(conn, socket, meta, remote, true, cookie);
    });
  }

  /** The auth flow's state for a connection; the tarpit's timer ends with it. */
  function authState(conn: Conn, meta: ConnMeta, remote: string): SshState {
    const c: SshState = { meta, remote, failures: 0, timer: null, closed: false };
    conn.on('close', () => {
      c.closed = true;
      if (c.timer) clearTimeout(c.timer);
      c.timer = null;
    });
    return c;
  }

  /**
   * The lean transport (./lean/session.ts) takes the connection when the client's first packet is
   * a KEXINIT whose agreed algorithms it speaks. 'wait': the packet is not whole yet; 'ssh2':
   * ssh2 gets it (other exchanges, malformed packets: ssh2 answers those as before).
   */
  function tryLean(
    conn: Conn,
    meta: ConnMeta,
    remote: string,
    cookie: string,
    pre: Buffer,
  ): 'wait' | 'ssh2' | LeanSession {
    if (pre.length < 5) return 'wait';
    const len = pre.readUInt32BE(0);
    if (len < 12 || len > MAX_PACKET || (len + 4) % 8 !== 0) return 'ssh2';
    if (pre.length < 4 + len) return 'wait';
    const pad = pre[4] as number;
    if (pad < 4 || pad > len - 2) return 'ssh2';
    const payload = Buffer.from(pre.subarray(5, 4 + len - pad));
    const negotiated = negotiate(payload, lists!);
    const host = negotiated ? signers.get(negotiated.hostKey) : undefined;
    if (!negotiated || !host) return 'ssh2';
    const c = authState(conn, meta, remote);
    ctx.count(NAME, 'transport_lean');
    const rest = pre.length > 4 + len ? Buffer.from(pre.subarray(4 + len)) : null;
    const session: LeanSession = new LeanSession(
      {
        conn,
        clientVersion: Buffer.from(remote, 'latin1'),
        serverVersion: identRaw,
        clientKexinit: payload,
        serverKexinit: kexinitPayload(offer!, cookie),
        negotiated,
        host,
        onAuth: (a) => onAuth(session, c, a),
        onError: (kind) => ctx.count(NAME, kind),
      },
      rest,
    );
    return session;
  }

  /**
   * Hands the connection to ssh2; `remote`: the client's version line when already logged,
   * `begun`: the identification line was sent, `cookie`: and the KEXINIT.
   */
  function startSsh2(
    conn: Conn,
    socket: Socket,
    meta: ConnMeta,
    remote: string,
    begun: boolean,
    cookie: string | null,
  ): void {
    ctx.count(NAME, 'transport_ssh2');
    const c = authState(conn, meta, remote);
    socket.on('data', corkTurn); // before ssh2's own 'data' listener
    const client = withoutBufferPool(() => new IncomingClient(socket, hostKeys, ident, offer!, undefined, hub, {}));
    if (begun) adoptStartedConnection(client, cookie === null ? null : kexinitPayload(offer!, cookie));
    conns.set(client, c);
    allowRepeatedUserauthService(client);
    const peer: Peer = {
      disconnect(reason, message) {
        disconnectWithMessage(client, reason, message);
        // close like sshd's exiting child: FIN after the DISCONNECT, then the descriptor (no
        // half-open socket held until the client sends its own FIN)
        socket.end(() => socket.destroy());
      },
    };
    // ssh2's AuthContext has the members an AuthRequest names
    client.on('authentication', (a: AuthRequest) => onAuth(peer, c, a));
    client.on('error', () => ctx.count(NAME, 'protocol_error'));
  }

  return {
    name: NAME,
    ports,
    async start() {
      if (transport !== 'lean' && transport !== 'ssh2') {
        throw new KyokaError(
          'KYOKA_E_BAD_CONFIG',
          `ssh.transport: expected "lean" or "ssh2", got ${JSON.stringify(transport)}`,
        );
      }
      const wanted = algorithmLists(ctx.conf.get<unknown>('ssh.algorithms', undefined));
      const keys = await loadHostKeys(ctx.stateDir);
      hostKeys = keys.byAlgo;
      lists = { ...wanted, serverHostKey: wanted.serverHostKey.filter((a) => a in hostKeys) };
      offer = buildOffer(lists, lists.serverHostKey);
      for (const algo of lists.serverHostKey) {
        const key = hostKeys[algo]!;
        const priv = privateKeyOf(key);
        const signer = priv ? hostSigner(algo, key.getPublicSSH(), priv) : null;
        if (signer) signers.set(algo, signer);
      }
      // sshd's LoginGraceTime: no connection stays unauthenticated longer (none ever authenticates here)
      listener = await listenTcp(ctx, { service: NAME, port, idleMs: 120_000, maxLifeMs: 120_000, onConn });
      ports[0] = { port: listener.port, transport: 'tcp' };
    },
    async stop() {
      await listener?.close();
      listener = null;
    },
  };
};
