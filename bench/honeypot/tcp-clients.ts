/**
 * bench/honeypot: the raw TCP load generators written for this bench (no stock tool does a
 * honeypot login loop): FTP (connect, USER, PASS -> 530, QUIT on a new connection each, as
 * OpenCanary's baseline), telnet (connect, username, password -> "Authentication failed" on a
 * new connection each), and idle connections for the memory runs.
 */
import net from 'node:net';

export interface LoadResult {
  attempts: number;
  errors: number;
  seconds: number;
}

/**
 * One scripted exchange on a new connection: for each step, wait until the received text contains
 * `expect`, then send `send`. Resolves true when every step completed.
 */
function exchange(port: number, steps: Array<[expect: string, send: string | null]>): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let got = '';
    let i = 0;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(10_000, () => finish(false));
    s.on('error', () => finish(false));
    s.on('close', () => finish(i >= steps.length));
    s.on('data', (b: Buffer) => {
      got += b.toString('latin1');
      while (i < steps.length) {
        const [expect, send] = steps[i] as [string, string | null];
        const at = got.indexOf(expect);
        if (at < 0) return;
        got = got.slice(at + expect.length);
        i++;
        if (send !== null) s.write(send);
      }
      if (i >= steps.length) finish(true);
    });
  });
}

async function loop(clients: number, seconds: number, attempt: (n: number) => Promise<boolean>): Promise<LoadResult> {
  const end = Date.now() + seconds * 1000;
  const t0 = Date.now();
  let attempts = 0;
  let errors = 0;
  let n = 0;
  const worker = async () => {
    while (Date.now() < end) {
      if (await attempt(n++)) attempts++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return { attempts, errors, seconds: (Date.now() - t0) / 1000 };
}

/** FTP: 220 banner, USER -> 331, PASS -> 530, QUIT -> 221; one attempt per connection. */
export function ftpLoad(port: number, clients: number, seconds: number): Promise<LoadResult> {
  return loop(clients, seconds, (n) =>
    exchange(port, [
      ['220 ', `USER root\r\n`],
      ['331 ', `PASS bench${n}\r\n`],
      ['530 ', 'QUIT\r\n'],
      ['221', null],
    ]),
  );
}

/** Telnet: negotiation, username, "Password: ", password -> "Authentication failed". */
export function telnetLoad(port: number, clients: number, seconds: number): Promise<LoadResult> {
  return loop(clients, seconds, (n) =>
    exchange(port, [
      ['\r\n', 'root\r\n'],
      ['Password: ', `bench${n}\r\n`],
      ['Authentication failed', null],
    ]),
  );
}

export interface IdleConns {
  opened: number;
  failed: number;
  close(): void;
}

/**
 * Opens `count` connections and leaves them idle once `ready` bytes arrived (after sending
 * `hello`, if given). Connects `batch` at a time so the accept queue never overflows.
 */
export async function openIdle(
  port: number,
  count: number,
  o: { hello?: string; ready: string; batch?: number },
): Promise<IdleConns> {
  const socks: net.Socket[] = [];
  let failed = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      let got = '';
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        if (ok) socks.push(s);
        else {
          failed++;
          s.destroy();
        }
        resolve();
      };
      s.setTimeout(20_000, () => settle(false));
      s.on('error', () => settle(false));
      s.on('close', () => settle(false));
      s.on('connect', () => {
        if (o.hello) s.write(o.hello);
      });
      s.on('data', (b: Buffer) => {
        if (settled) return;
        got += b.toString('latin1');
        if (got.includes(o.ready)) {
          s.setTimeout(0);
          settle(true);
        }
      });
    });
  const batch = o.batch ?? 250;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, one));
  }
  return {
    opened: socks.length,
    failed,
    close() {
      for (const s of socks) s.destroy();
    },
  };
}
