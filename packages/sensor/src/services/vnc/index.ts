/**
 * OpenCanary's vnc service: an RFB server up to VNC authentication. It offers `RFB 003.008`,
 * accepts 3.3/3.7/3.8 clients, offers security type 2 (VNC auth), sends a random 16-byte
 * challenge, logs 12001 with the challenge and response (hex) and, when the response is the
 * challenge DES-encrypted under one of OpenCanary's common passwords, that password; then
 * reports an authentication failure and closes.
 * Hand-written: no maintained library plays the server side of RFB. VNC's DES keys are the
 * password's bytes with each byte's bits mirrored; single DES is computed as 3DES-EDE with three
 * equal keys because OpenSSL 3 keeps plain `des-ecb` in its legacy provider.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { tcpService } from '../../net/tcp.ts';
import type { ConnMeta, ServiceFactory } from '../../service/types.ts';

export const COMMON_PASSWORDS = ['111111', 'password', '123456', '1234', 'administrator', 'root', 'passw0rd'];
export const NOT_IN_LIST = '<Password was not in the common list>';

function mirror(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/** The DES key VNC derives from a password (first 8 bytes, NUL-padded, bits mirrored). */
export function vncKey(password: string): Buffer {
  const k = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(k, 0, 0, 8);
  for (let i = 0; i < 8; i++) k[i] = mirror(k[i] as number);
  return k;
}

/** VNC authentication response: the 16-byte challenge DES-ECB-encrypted under the password's key. */
export function vncResponse(password: string, challenge: Buffer): Buffer {
  const k = vncKey(password);
  const c = createCipheriv('des-ede3-ecb', Buffer.concat([k, k, k]), null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(challenge), c.final()]);
}

const KEYS = COMMON_PASSWORDS.map((p) => ({ p, key: vncKey(p) }));

/** The common password that produced `response`, or null. */
export function matchPassword(challenge: Buffer, response: Buffer): string | null {
  for (const { p, key } of KEYS) {
    const c = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
    c.setAutoPadding(false);
    if (Buffer.concat([c.update(challenge), c.final()]).equals(response)) return p;
  }
  return null;
}

const FAIL_REASON = Buffer.from('Authentication failure');
const FAIL_38 = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, FAIL_REASON.length]), FAIL_REASON]);
const FAIL_OLD = Buffer.from([0, 0, 0, 1]);

type State = 'version' | 'security' | 'auth' | 'done';

export const factory: ServiceFactory = (ctx) => {
  function onConnection(socket: Socket, meta: ConnMeta): void {
    let state: State = 'version';
    let buf: Buffer = Buffer.alloc(0);
    let minor = 8;
    let challenge = Buffer.alloc(0);
    const bad = () => {
      ctx.count('vnc', 'bad_request');
      state = 'done';
      socket.destroy();
    };
    const sendChallenge = (prefix: Buffer) => {
      challenge = randomBytes(16);
      state = 'auth';
      socket.write(Buffer.concat([prefix, challenge]));
    };
    socket.on('data', (chunk: Buffer) => {
      if (state === 'done') return;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf.length > 64) return bad();
      if (state === 'version') {
        if (buf.length < 12) return;
        const m = /^RFB 003\.00([378])\n$/.exec(buf.subarray(0, 12).toString('latin1'));
        if (!m) return bad();
        minor = Number(m[1]);
        buf = buf.subarray(12);
        if (minor === 3) sendChallenge(Buffer.from([0, 0, 0, 2]));
        else {
          state = 'security';
          socket.write(Buffer.from([1, 2]));
        }
        if (buf.length === 0) return;
      }
      if (state === 'security') {
        if (buf.length < 1) return;
        if (buf[0] !== 2) return bad();
        buf = buf.subarray(1);
        sendChallenge(Buffer.alloc(0));
        if (buf.length === 0) return;
      }
      if (state === 'auth') {
        if (buf.length < 16) return;
        const response = buf.subarray(0, 16);
        state = 'done';
        ctx.log(meta, 12001, {
          'VNC Server Challenge': challenge.toString('hex'),
          'VNC Client Response': response.toString('hex'),
          'VNC Password': matchPassword(challenge, response) ?? NOT_IN_LIST,
        });
        socket.end(minor === 8 ? FAIL_38 : FAIL_OLD);
      }
    });
    socket.write('RFB 003.008\n');
  }

  return tcpService(ctx, 'vnc', 5900, onConnection);
};
