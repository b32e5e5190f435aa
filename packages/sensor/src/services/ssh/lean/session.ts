/**
 * The lean SSH transport: what a honeypot needs of SSH after the KEXINITs, on the raw connection
 * itself, without ssh2's Protocol, a net.Socket or streams. It runs the curve25519 exchange
 * (./kex.ts), switches to the negotiated ciphers (ssh2's own packet ciphers, so framing, padding
 * and MACs are ssh2's tested code), accepts the ssh-userauth service and hands each
 * USERAUTH_REQUEST to the service as an AuthRequest, which always fails. Messages are answered as
 * OpenSSH 9.2's sshd answers them before a login: EXT_INFO with sshd's server-sig-algs once the
 * client's NEWKEYS is in, SERVICE_ACCEPT for every ssh-userauth request, UNIMPLEMENTED for messages it has no
 * handler for, strict key exchange (kex-strict) when the client asks for it. A client that starts
 * a second key exchange is disconnected (sshd would rekey; no client does so before a login).
 *
 * One request is handled at a time: while the service holds one (the tarpit's timer), reading
 * stops and the kernel keeps the client's further bytes, so a waiting client costs no buffer here.
 */
import type { Conn } from '../../../net/conn.ts';
import { type PacketCipher, type PacketDecipher, packetCrypto } from '../ssh2-internals.ts';
import { curve25519Exchange, deriveKey, type HostSigner } from './kex.ts';
import type { Negotiated } from './negotiate.ts';
import { Reader, sizeOf, Writer } from './wire.ts';

const MSG = {
  DISCONNECT: 1,
  IGNORE: 2,
  UNIMPLEMENTED: 3,
  DEBUG: 4,
  SERVICE_REQUEST: 5,
  SERVICE_ACCEPT: 6,
  EXT_INFO: 7,
  KEXINIT: 20,
  NEWKEYS: 21,
  KEX_ECDH_INIT: 30,
  USERAUTH_REQUEST: 50,
  USERAUTH_FAILURE: 51,
  USERAUTH_INFO_REQUEST: 60,
  USERAUTH_INFO_RESPONSE: 61,
} as const;

const DISCONNECT = { PROTOCOL_ERROR: 2, KEY_EXCHANGE_FAILED: 3, SERVICE_NOT_AVAILABLE: 7 } as const;

/** OpenSSH 9.2's EXT_INFO (kex_send_ext_info: sshkey_alg_list(0, 1, 1) and publickey-hostbound). */
const SERVER_SIG_ALGS =
  'ssh-ed25519,sk-ssh-ed25519@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,' +
  'sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-rsa,' +
  'rsa-sha2-256,rsa-sha2-512';
const EXT_INFO: Array<[string, string]> = [
  ['server-sig-algs', SERVER_SIG_ALGS],
  ['publickey-hostbound@openssh.com', '0'],
];

/** Longest user name, password or key blob read from a request (a packet is at most 35,000 bytes). */
const MAX_FIELD = 32 * 1024;

/** Most bytes kept while a request is held (the connection is paused then). */
const MAX_HELD = 256 * 1024;

/** One USERAUTH_REQUEST, shaped like the part of ssh2's AuthContext the service uses. */
export interface AuthRequest {
  method: string;
  username: string;
  password?: string;
  key?: { algo: string; data: Buffer };
  /** USERAUTH_FAILURE listing `methods`; the next request is read after it. */
  reject(methods: string[]): void;
  /** keyboard-interactive: one INFO_REQUEST; `cb` gets the answers (strings). */
  prompt(prompts: Array<{ prompt: string; echo: boolean }>, cb: (answers: string[]) => void): void;
}

export interface LeanOptions {
  conn: Conn;
  /** Identification lines without CR LF. */
  clientVersion: Buffer;
  serverVersion: Buffer;
  /** KEXINIT payloads. */
  clientKexinit: Buffer;
  serverKexinit: Buffer;
  negotiated: Negotiated;
  host: HostSigner;
  onAuth(req: AuthRequest): void;
  /** A protocol violation or a failed exchange (counted by the service); the connection is closed. */
  onError(kind: string): void;
}

type Phase = 'kex' | 'newkeys' | 'transport';

export class LeanSession {
  private readonly o: LeanOptions;
  private decipher: PacketDecipher;
  private cipher: PacketCipher;
  private phase: Phase = 'kex';
  /** The client-to-server keys, applied when the client's NEWKEYS arrives. */
  private inbound: Record<string, unknown> & { seqno: number } = { seqno: 0 };
  private serviceAccepted = false;
  /** A request the service has not answered yet: reading is paused. */
  private pending = false;
  private onInfoResponse: ((answers: string[]) => void) | null = null;
  /** Bytes read before a pause, processed on resume. */
  private rest: Buffer | null = null;
  private closed = false;
  private readonly write: (chunk: Uint8Array) => void;

  /**
   * `first`: what the client sent after its KEXINIT, in the same read. The owner of the
   * connection's 'data' listener passes every later read to feed().
   */
  constructor(options: LeanOptions, first: Buffer | null) {
    this.o = options;
    const conn = options.conn;
    this.write = (chunk) => {
      conn.write(chunk);
    };
    // the KEXINITs were sequence number 0 each way
    this.decipher = new packetCrypto.NullDecipher(1, (p) => this.onPayload(p));
    this.cipher = new packetCrypto.NullCipher(1, this.write);
    conn.on('close', () => {
      this.closed = true;
      this.decipher.free();
      this.cipher.free();
    });
    if (first && first.length > 0) this.feed(first);
  }

  /** Decrypts and handles what arrived; packets after a NEWKEYS go to the new decipher. */
  feed(data: Buffer): void {
    if (this.closed) return;
    if (this.pending) {
      // only reached when bytes were already in flight as the pause began: at most a read or two
      this.rest = this.rest ? Buffer.concat([this.rest, data]) : Buffer.from(data);
      if (this.rest.length > MAX_HELD) this.fail('flood');
      return;
    }
    const conn = this.o.conn;
    conn.cork();
    try {
      let p = 0;
      while (p < data.length && !this.closed) {
        const stop = this.decipher.decrypt(data, p, data.length);
        if (stop === undefined) break;
        p = stop;
        if (this.pending) {
          if (p < data.length) this.rest = Buffer.from(data.subarray(p));
          break;
        }
      }
    } catch {
      this.fail('bad_packet');
    } finally {
      conn.uncork();
    }
  }

  /** Returns false to stop the decipher after this packet (new keys, or a paused request). */
  private onPayload(payload: Buffer): boolean | undefined {
    if (this.closed || payload.length === 0) return this.closed ? false : undefined;
    const type = payload[0] as number;
    if (type === MSG.DISCONNECT) {
      this.o.conn.destroy();
      return false;
    }
    switch (this.phase) {
      case 'kex':
        if (type === MSG.KEX_ECDH_INIT) return this.onEcdhInit(payload);
        return this.duringKex(type);
      case 'newkeys':
        if (type === MSG.NEWKEYS) {
          // inSeqno already counts this NEWKEYS; strict mode starts again from 0
          this.inbound.seqno = this.o.negotiated.strict ? 0 : this.decipher.inSeqno;
          this.decipher.free();
          this.decipher = packetCrypto.createDecipher({ inbound: this.inbound });
          this.phase = 'transport';
          // sshd queues EXT_INFO (not a key-exchange message) until the exchange completes, that
          // is until this NEWKEYS; sent now it also acknowledges the client's segment at once
          if (this.o.negotiated.extInfo) this.sendExtInfo();
          return false;
        }
        return this.duringKex(type);
      default:
        return this.onTransport(type, payload);
    }
  }

  /** Any other message inside the key exchange: only IGNORE and DEBUG, and those not in strict mode. */
  private duringKex(type: number): boolean | undefined {
    if (!this.o.negotiated.strict && (type === MSG.IGNORE || type === MSG.DEBUG)) return undefined;
    this.disconnect(DISCONNECT.PROTOCOL_ERROR, `unexpected message ${type} during key exchange`, 'kex_protocol');
    return false;
  }

  private onEcdhInit(payload: Buffer): boolean | undefined {
    const n = this.o.negotiated;
    const qc = new Reader(payload, 1).bytes(64);
    let x: ReturnType<typeof curve25519Exchange>;
    try {
      if (qc === undefined) throw new Error('malformed KEX_ECDH_INIT');
      x = curve25519Exchange({
        vc: this.o.clientVersion,
        vs: this.o.serverVersion,
        ic: this.o.clientKexinit,
        is: this.o.serverKexinit,
        hostAlgo: n.hostKey,
        host: this.o.host,
        qc,
      });
    } catch {
      this.disconnect(DISCONNECT.KEY_EXCHANGE_FAILED, 'key exchange failed', 'kex_failed');
      return false;
    }
    this.send(x.reply);
    this.send(Buffer.of(MSG.NEWKEYS));
    const sid = x.h; // first exchange: H is the session id
    const key = (len: number, letter: string) => deriveKey(len, x.k, x.h, letter, sid);
    const { CIPHER_INFO, MAC_INFO, createCipher } = packetCrypto;
    const csInfo = CIPHER_INFO[n.cs.cipher]!;
    const scInfo = CIPHER_INFO[n.sc.cipher]!;
    const csMac = n.cs.mac ? MAC_INFO[n.cs.mac] : undefined;
    const scMac = n.sc.mac ? MAC_INFO[n.sc.mac] : undefined;
    const outSeqno = n.strict ? 0 : this.cipher.outSeqno;
    this.cipher.free();
    this.cipher = createCipher({
      outbound: {
        onWrite: this.write,
        seqno: outSeqno,
        cipherInfo: scInfo,
        cipherIV: key(scInfo.ivLen, 'B'),
        cipherKey: key(scInfo.keyLen, 'D'),
        macInfo: scMac,
        macKey: scMac ? key(scMac.len, 'F') : undefined,
      },
    });
    // applied at the client's NEWKEYS, whose sequence number is known then
    this.inbound = {
      onPayload: (p: Buffer) => this.onPayload(p),
      seqno: 0,
      decipherInfo: csInfo,
      decipherIV: key(csInfo.ivLen, 'A'),
      decipherKey: key(csInfo.keyLen, 'C'),
      macInfo: csMac,
      macKey: csMac ? key(csMac.len, 'E') : undefined,
    };
    this.phase = 'newkeys';
    return undefined;
  }

  private onTransport(type: number, payload: Buffer): boolean | undefined {
    switch (type) {
      case MSG.IGNORE:
      case MSG.DEBUG:
      case MSG.UNIMPLEMENTED:
        return undefined;
      case MSG.SERVICE_REQUEST: {
        const name = new Reader(payload, 1).bytes(256);
        if (name === undefined || name.toString('latin1') !== 'ssh-userauth') {
          this.disconnect(DISCONNECT.SERVICE_NOT_AVAILABLE, 'bad service request', 'bad_service');
          return false;
        }
        this.serviceAccepted = true;
        this.sendWith(1 + sizeOf.string(name), (w) => w.byte(MSG.SERVICE_ACCEPT).string(name));
        return undefined;
      }
      case MSG.USERAUTH_REQUEST:
        if (!this.serviceAccepted) break;
        return this.onUserauth(payload);
      case MSG.USERAUTH_INFO_RESPONSE:
        if (!this.onInfoResponse) break;
        return this.onInfo(payload);
      case MSG.KEXINIT:
        this.disconnect(DISCONNECT.PROTOCOL_ERROR, 'rekeying before authentication is not supported', 'rekey');
        return false;
    }
    // sshd's dispatch_protocol_error: UNIMPLEMENTED with the packet's sequence number
    const seqno = (this.decipher.inSeqno - 1) >>> 0;
    this.sendWith(5, (w) => w.byte(MSG.UNIMPLEMENTED).uint32(seqno));
    return undefined;
  }

  private onUserauth(payload: Buffer): boolean | undefined {
    const r = new Reader(payload, 1);
    const username = r.utf8(MAX_FIELD);
    const service = r.bytes(256);
    const method = r.bytes(256)?.toString('latin1');
    if (username === undefined || service === undefined || method === undefined) return this.malformed();
    const req: AuthRequest = {
      method,
      username,
      reject: (methods) => this.reject(methods),
      prompt: (prompts, cb) => this.prompt(prompts, cb),
    };
    if (method === 'password') {
      const change = r.bool();
      const password = r.utf8(MAX_FIELD);
      if (change === undefined || password === undefined) return this.malformed();
      req.password = password;
    } else if (method === 'publickey') {
      const hasSig = r.bool();
      const algo = r.bytes(256)?.toString('latin1');
      const blob = r.bytes(MAX_FIELD);
      if (hasSig === undefined || algo === undefined || blob === undefined) return this.malformed();
      req.key = { algo, data: Buffer.from(blob) };
    }
    this.pending = true;
    this.o.conn.pause();
    this.o.onAuth(req);
    return this.pending ? false : undefined;
  }

  private onInfo(payload: Buffer): boolean | undefined {
    const r = new Reader(payload, 1);
    const n = r.uint32();
    if (n === undefined || n > 16) return this.malformed();
    const answers: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = r.utf8(MAX_FIELD);
      if (a === undefined) return this.malformed();
      answers.push(a);
    }
    const cb = this.onInfoResponse!;
    this.onInfoResponse = null;
    this.pending = true;
    this.o.conn.pause();
    cb(answers);
    return this.pending ? false : undefined;
  }

  private malformed(): false {
    this.disconnect(DISCONNECT.PROTOCOL_ERROR, 'malformed packet', 'bad_packet');
    return false;
  }

  private reject(methods: string[]): void {
    if (this.closed) return;
    const list = methods.join(',');
    this.o.conn.cork();
    this.sendWith(1 + sizeOf.string(list) + 1, (w) => w.byte(MSG.USERAUTH_FAILURE).string(list).bool(false));
    this.o.conn.uncork();
    this.resume();
  }

  private prompt(prompts: Array<{ prompt: string; echo: boolean }>, cb: (answers: string[]) => void): void {
    if (this.closed) return;
    let len = 1 + 4 * 3 + 4;
    for (const p of prompts) len += sizeOf.string(p.prompt) + 1;
    this.onInfoResponse = cb;
    this.sendWith(len, (w) => {
      w.byte(MSG.USERAUTH_INFO_REQUEST).string('').string('').string('').uint32(prompts.length);
      for (const p of prompts) w.string(p.prompt).bool(p.echo);
    });
    this.resume();
  }

  /** Reads again after the service answered the request it held. */
  private resume(): void {
    if (!this.pending) return;
    this.pending = false;
    const rest = this.rest;
    this.rest = null;
    if (rest) this.feed(rest);
    if (!this.pending && !this.closed) this.o.conn.resume();
  }

  /** SSH_MSG_DISCONNECT with a description (as sshd's ssh_packet_disconnect), then close once it is out. */
  disconnect(reason: number, message: string, kind?: string): void {
    if (this.closed) return;
    if (kind) this.o.onError(kind);
    this.sendWith(1 + 4 + sizeOf.string(message) + 4, (w) =>
      w.byte(MSG.DISCONNECT).uint32(reason).string(message).string(''),
    );
    this.closed = true;
    this.o.conn.destroySoon();
  }

  private fail(kind: string): void {
    if (this.closed) return;
    this.o.onError(kind);
    this.closed = true;
    this.o.conn.destroy();
  }

  private sendExtInfo(): void {
    let len = 1 + 4;
    for (const [k, v] of EXT_INFO) len += sizeOf.string(k) + sizeOf.string(v);
    this.sendWith(len, (w) => {
      w.byte(MSG.EXT_INFO).uint32(EXT_INFO.length);
      for (const [k, v] of EXT_INFO) w.string(k).string(v);
    });
  }

  private send(payload: Buffer): void {
    const packet = this.cipher.allocPacket(payload.length);
    packet.set(payload, 5);
    this.cipher.encrypt(packet);
  }

  private sendWith(len: number, fill: (w: Writer) => void): void {
    const packet = this.cipher.allocPacket(len);
    const w = new Writer(packet, 5);
    fill(w);
    this.cipher.encrypt(packet);
  }
}
