/**
 * Shared pieces of the WAF integration tests: two tiny backends (real and sandbox clone) that
 * record what they receive, an HTTP client that can bind a source address, and a hooks recorder.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KyokaEvent } from '@kyoka/core';
import type { DecisionLookup, ReportedDecision, WafHooks } from '@kyoka/waf';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Backend {
  name: string;
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** A backend answering `<NAME> <path>`; /item?id=N behaves like a DB-backed page (numeric ids exist). */
export async function startBackend(name: string): Promise<Backend> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const u = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('set-cookie', [`backend=${name}; Path=/`]);
      if (u.pathname === '/item') {
        const id = u.searchParams.get('id') ?? '';
        if (/^\d+$/.test(id) && Number(id) < 1000)
          res.end(`<html><body><h1>${name} item ${id}</h1><p>Price: ${Number(id) * 3} EUR</p></body></html>`);
        else res.end(`<html><body><h1>${name}</h1><p>No such item.</p></body></html>`);
        return;
      }
      res.end(`${name} ${u.pathname}`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function request(
  port: number,
  path: string,
  opts: {
    from?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    host?: string;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        localAddress: opts.from ?? '127.0.0.1',
        headers: { host: opts.host ?? 'shop.example', ...opts.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export class MapLookup implements DecisionLookup {
  readonly map = new Map<string, 'ban' | 'deceive' | 'reflect'>();
  typeFor(ip: string) {
    return this.map.get(ip) ?? null;
  }
}

export function recorder(decisions: DecisionLookup = new MapLookup()) {
  const reports: ReportedDecision[] = [];
  const events: KyokaEvent[] = [];
  const hooks: WafHooks = {
    decisions,
    report: (d) => reports.push(d),
    emit: (e) => events.push(e),
  };
  return { hooks, reports, events };
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(fn: () => T | undefined | null | false, ms = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
