/**
 * `createWaf`: starts one listener per distinct listen address (sites sharing one are told apart
 * by Host / TLS SNI through server_names), wires each request to its Site, and answers garbage
 * with 400 (counted) without ever crashing. Slow clients are cut by headers_timeout_ms.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { KyokaError, parseDuration } from '@kyoka/core';
import { canonicalIp, createClientIpResolver } from './client-ip.ts';
import type { WafConfig } from './config.ts';
import { LocalDecisions } from './local-decisions.ts';
import { SandboxLog } from './sandbox-log.ts';
import { Site, type SiteContext } from './site.ts';
import type { SiteStats } from './stats.ts';
import type { WafHooks } from './types.ts';

export interface Waf {
  close(): Promise<void>;
  stats(): SiteStats[];
  addresses(): { site: string; port: number }[];
  /** Number of sources currently deceived by this WAF's own detections. */
  localDeceived(): number;
}

function readOrFail(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `${key}: cannot read ${path}`, { cause: err, details: { key } });
  }
}

function hostMatches(host: string, names: readonly string[]): boolean {
  return names.some((n) => {
    const p = n.toLowerCase();
    return p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p;
  });
}

interface Group {
  sites: Site[];
  server: http.Server;
  tls: boolean;
}

export async function createWaf(cfg: WafConfig, hooks: WafHooks): Promise<Waf> {
  const sandboxLog = new SandboxLog(cfg.sandbox_log);
  const ctx: SiteContext = {
    cfg,
    hooks,
    local: new LocalDecisions(),
    sandboxLog,
    deceiveMs: parseDuration(cfg.deceive_duration),
    resolveIp: createClientIpResolver(cfg.trust_forwarded),
    peerIp: (r) => canonicalIp(r) ?? '0.0.0.0',
  };

  const byListen = new Map<string, { site: Site; idx: number }[]>();
  cfg.sites.forEach((sc, idx) => {
    const html = sc.action === 'html' && sc.html_file ? readOrFail(sc.html_file, `sites.${idx}.html_file`) : undefined;
    const key = sc.listen.port === 0 ? `${sc.name}@0` : `${sc.listen.host}:${sc.listen.port}`;
    const list = byListen.get(key) ?? [];
    list.push({ site: new Site(sc, ctx, html), idx });
    byListen.set(key, list);
  });

  const groups: Group[] = [];
  const checkInterval = Math.max(100, Math.min(1000, Math.floor(cfg.headers_timeout_ms / 2)));
  for (const list of byListen.values()) {
    const sites = list.map((l) => l.site);
    const withTls = list.filter((l) => l.site.cfg.listen.tls);
    if (withTls.length > 0 && withTls.length !== list.length) {
      throw new KyokaError(
        'KYOKA_E_BAD_CONFIG',
        `sites.${list[0]?.idx}.listen.tls: sites sharing a listener must all use TLS or none`,
      );
    }
    const siteFor = (req: IncomingMessage): Site => {
      if (sites.length === 1) return sites[0] as Site;
      const host = String(req.headers.host ?? '')
        .toLowerCase()
        .replace(/:\d+$/, '')
        .replace(/\.$/, '');
      return sites.find((s) => s.cfg.server_names && hostMatches(host, s.cfg.server_names)) ?? (sites[0] as Site);
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => siteFor(req).handle(req, res, withTls.length > 0);
    const opts = {
      headersTimeout: cfg.headers_timeout_ms,
      requestTimeout: Math.max(cfg.headers_timeout_ms, 300_000),
      connectionsCheckingInterval: checkInterval,
      keepAliveTimeout: 5000,
    };
    let server: http.Server;
    if (withTls.length > 0) {
      const contexts = list.map((l) => {
        const t = l.site.cfg.listen.tls as { cert: string; key: string };
        return {
          names: l.site.cfg.server_names ?? [],
          cert: readOrFail(t.cert, `sites.${l.idx}.listen.tls.cert`),
          key: readOrFail(t.key, `sites.${l.idx}.listen.tls.key`),
        };
      });
      const secure = contexts.map((c) => ({
        names: c.names,
        ctx: tls.createSecureContext({ cert: c.cert, key: c.key }),
      }));
      server = https.createServer(
        {
          ...opts,
          cert: contexts[0]?.cert,
          key: contexts[0]?.key,
          SNICallback: (name, cb) => {
            const n = name.toLowerCase();
            cb(null, (secure.find((s) => hostMatches(n, s.names)) ?? secure[0])?.ctx);
          },
        },
        handler,
      );
    } else {
      server = http.createServer(opts, handler);
    }
    const first = sites[0] as Site;
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      first.stats.bad_requests++;
      const status =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
    // WebSocket and other upgrades: routed like requests, then tunnelled (see tunnel.ts)
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      siteFor(req).upgrade(req, socket, head, withTls.length > 0),
    );
    server.on('tlsClientError', () => {
      first.stats.bad_requests++;
    });
    groups.push({ sites, server, tls: withTls.length > 0 });
  }

  try {
    for (const g of groups) {
      const l = g.sites[0]?.cfg.listen as { host: string; port: number };
      await new Promise<void>((resolve, reject) => {
        const onErr = (err: NodeJS.ErrnoException) =>
          reject(
            err.code === 'EADDRINUSE'
              ? new KyokaError('KYOKA_E_PORT_IN_USE', `waf: ${l.host}:${l.port} is in use`, { cause: err })
              : err,
          );
        g.server.once('error', onErr);
        g.server.listen(l.port, l.host, () => {
          g.server.off('error', onErr);
          resolve();
        });
      });
    }
  } catch (err) {
    await closeAll(groups, sandboxLog);
    throw err;
  }

  return {
    close: () => closeAll(groups, sandboxLog),
    stats: () => groups.flatMap((g) => g.sites.map((s) => structuredClone(s.stats))),
    addresses: () =>
      groups.flatMap((g) => {
        const a = g.server.address();
        const port = a && typeof a === 'object' ? a.port : 0;
        return g.sites.map((s) => ({ site: s.cfg.name, port }));
      }),
    localDeceived: () => ctx.local.size,
  };
}

async function closeAll(groups: Group[], log: SandboxLog): Promise<void> {
  await Promise.all(
    groups.map(
      (g) =>
        new Promise<void>((resolve) => {
          if (!g.server.listening) return resolve();
          g.server.close(() => resolve());
          g.server.closeAllConnections();
          for (const s of g.sites) s.closeTunnels(); // upgraded sockets: the server waits for them too
        }),
    ),
  );
  for (const g of groups) for (const s of g.sites) s.close();
  await log.close();
}
