/**
 * OpenCanary's git service: a git daemon (git://, port 9418) that reads the first pkt-line
 * request (`git-upload-pack /repo\0host=h\0...`), logs 16001 {REPO, HOST} and answers like a
 * real `git daemon --informative-errors` with a pkt-line `ERR no such repository: /repo`.
 * Hand-written: no maintained library plays the daemon side of the git protocol. REPO drops the
 * leading slash and HOST is the host= value, as OpenCanary records them.
 */
import type { Socket } from 'node:net';
import { tcpService } from '../../net/tcp.ts';
import type { ConnMeta, ServiceFactory } from '../../service/types.ts';

const SERVICES = ['git-upload-pack', 'git-receive-pack', 'git-upload-archive'];

/** One pkt-line: 4 hex digits of total length, then the payload. */
export function pktLine(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

export interface GitRequest {
  service: string;
  path: string;
  host: string;
}

/** Parses a complete request payload (after the 4-byte length); null when it is not one. */
export function parseRequest(payload: Buffer): GitRequest | null {
  const text = payload.toString('utf8');
  const sp = text.indexOf(' ');
  if (sp < 0) return null;
  const service = text.slice(0, sp);
  if (!SERVICES.includes(service)) return null;
  const fields = text.slice(sp + 1).split('\0');
  const path = fields[0] ?? '';
  const hostField = fields.find((f) => f.startsWith('host='));
  return { service, path, host: hostField ? hostField.slice(5) : '' };
}

export const factory: ServiceFactory = (ctx) => {
  function onConnection(socket: Socket, meta: ConnMeta): void {
    let buf: Buffer = Buffer.alloc(0);
    const fail = (what: string) => {
      ctx.count('git', what);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = Number.parseInt(buf.subarray(0, 4).toString('latin1'), 16);
      if (!/^[0-9a-fA-F]{4}$/.test(buf.subarray(0, 4).toString('latin1')) || len < 5) return fail('bad_request');
      if (buf.length < len) return; // max 0xffff: bounded by the length field itself
      const req = parseRequest(buf.subarray(4, len));
      socket.removeAllListeners('data');
      if (!req) return fail('bad_request');
      const repo = req.path.startsWith('/') ? req.path.slice(1) : req.path;
      ctx.log(meta, 16001, { REPO: repo, HOST: req.host });
      socket.end(pktLine(`ERR no such repository: ${req.path}`));
    });
  }

  return tcpService(ctx, 'git', 9418, onConnection);
};
