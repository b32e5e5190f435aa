/**
 * Raw HTTP over a TCP socket, for what fetch and curl cannot do: announce a large body, send
 * only its start, and see whether (and when) the server answers anyway; or trickle a body.
 */
import { connect, type Socket } from 'node:net';

export interface RawConn {
  sock: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with ms since connect when the server closes the connection. */
  closed: Promise<number>;
  /** Resolves with the status code once a status line arrived, or null after `ms`. */
  status(ms: number): Promise<number | null>;
}

export function rawConnect(url: string): Promise<RawConn> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = '';
    const sock = connect(Number(u.port), u.hostname);
    sock.on('data', (d) => {
      data += d;
    });
    const closed = new Promise<number>((r) => sock.once('close', () => r(Date.now() - started)));
    const status = (ms: number) =>
      new Promise<number | null>((r) => {
        const deadline = Date.now() + ms;
        const iv = setInterval(() => {
          const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
          if (m || Date.now() > deadline) {
            clearInterval(iv);
            r(m ? Number(m[1]) : null);
          }
        }, 10);
      });
    sock.once('connect', () => {
      sock.off('error', reject);
      sock.on('error', () => {});
      resolve({ sock, received: () => data, closed, status });
    });
    sock.once('error', reject);
  });
}

/** Sends a request head announcing `contentLength` body bytes, then `first` of them. */
export async function startPost(
  url: string,
  path: string,
  contentLength: number,
  headers: Record<string, string> = {},
  first = '{"message":"',
): Promise<RawConn> {
  const c = await rawConnect(url);
  const head = Object.entries({ 'content-type': 'application/x-ndjson', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  c.sock.write(`POST ${path} HTTP/1.1\r\nhost: kyoka\r\ncontent-length: ${contentLength}\r\n${head}\r\n${first}`);
  return c;
}
