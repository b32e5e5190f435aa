/**
 * Protocol upgrades (WebSocket, and any other `Upgrade:` a backend accepts) through the WAF: the
 * request head goes to the chosen backend (real or sandbox) over its own TCP/TLS connection, with
 * the same header rules as forwarded requests (hop-by-hop dropped, `Connection: Upgrade` kept,
 * X-Forwarded-* added); then bytes flow both ways untouched until either side closes. The
 * backend's answer (101 or a refusal such as 401/426) reaches the client as the backend wrote it;
 * its status line and headers are read on the way for the caller's accounting. No backend answer
 * within the timeout → 504, no connection → 502 (raw, the client socket is not an HTTP response).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { type Upstream, upstreamHeaders } from './forward.ts';
import { rawPage } from './pages.ts';

/** Largest backend response head read for accounting; the bytes are forwarded regardless. */
const MAX_HEAD = 16 * 1024;

export interface TunnelSink {
  /** The backend's response head (status 0 when unparsable), or the WAF's own 502/504. */
  answered(status: number, headers: IncomingHttpHeaders): void;
  upstreamError(): void;
  /** Once, when both directions are closed: bytes from the client and to it (after the heads). */
  closed(inBytes: number, outBytes: number): void;
}

export interface TunnelOptions {
  upstream: Upstream;
  peer: string;
  tls: boolean;
  timeoutMs: number;
  sink: TunnelSink;
}

function requestHead(req: IncomingMessage, o: TunnelOptions): string {
  const h = upstreamHeaders(req, { peer: o.peer, tls: o.tls, identity: false, upgrade: true });
  let head = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
  // node's parser has already refused CR/LF in names and values
  for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/** Status and headers of an HTTP/1.1 response head ("\r\n\r\n" excluded). */
export function parseResponseHead(head: string): { status: number; headers: IncomingHttpHeaders } {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const name = line.slice(0, c).trim().toLowerCase();
    const value = line.slice(c + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: m ? Number(m[1]) : 0, headers };
}

export function tunnel(req: IncomingMessage, client: Duplex, head: Buffer, o: TunnelOptions): void {
  const url = o.upstream.url;
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const up: Duplex =
    url.protocol === 'https:'
      ? tls.connect({ host: url.hostname, port, servername: net.isIP(url.hostname) ? undefined : url.hostname })
      : net.connect({ host: url.hostname, port });
  let answered = false;
  let done = false;
  let inBytes = 0;
  let outBytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const finish = () => {
    if (done) return;
    done = true;
    client.destroy();
    up.destroy();
    o.sink.closed(inBytes, outBytes);
  };
  const failBeforeAnswer = (status: 502 | 504) => {
    if (answered) return finish();
    answered = true;
    o.sink.upstreamError();
    o.sink.answered(status, {});
    if (client.writable) client.end(rawPage(status), () => client.destroy());
    up.destroy();
    done = true;
    o.sink.closed(inBytes, outBytes);
  };

  const timer = setTimeout(() => failBeforeAnswer(504), o.timeoutMs);
  up.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
    up.write(requestHead(req, o));
    if (head.length > 0) {
      inBytes += head.length;
      up.write(head);
    }
    // client → backend from here on, with back-pressure (the socket is paused until now)
    client.on('data', (c: Buffer) => {
      inBytes += c.length;
    });
    client.pipe(up);
  });
  up.on('data', (c: Buffer) => {
    if (!answered) {
      // hold the bytes until the head is complete (or too long to be one): then account and relay
      pending.push(c);
      pendingBytes += c.length;
      const text = Buffer.concat(pending, pendingBytes).toString('latin1', 0, Math.min(pendingBytes, MAX_HEAD));
      const end = text.indexOf('\r\n\r\n');
      if (end < 0 && pendingBytes < MAX_HEAD) return;
      answered = true;
      clearTimeout(timer);
      const r = end >= 0 ? parseResponseHead(text.slice(0, end)) : { status: 0, headers: {} };
      o.sink.answered(r.status, r.headers);
      const all = Buffer.concat(pending, pendingBytes);
      pending = [];
      outBytes += Math.max(0, all.length - (end >= 0 ? end + 4 : all.length));
      client.write(all);
      up.pipe(client); // backend → client from here on
      return;
    }
    outBytes += c.length;
  });
  up.on('error', () => failBeforeAnswer(502));
  client.on('error', finish);
  up.on('close', () => {
    clearTimeout(timer);
    if (!answered) failBeforeAnswer(502);
    else if (client.writable) client.end(() => finish());
    else finish();
  });
  client.on('close', () => {
    clearTimeout(timer);
    finish();
  });
}
