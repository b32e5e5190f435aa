/**
 * One protected site: decides per request between ban (403/drop), the real backend, the sandbox
 * clone, or the site's attack action (redirect | html | deceive), then forwards and accounts.
 * A local attack with action deceive marks the source at once (LocalDecisions), reports a deceive
 * decision to the server, and sends this very request to the sandbox too.
 * A request without an inspectable body is handled synchronously (no promise per request).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SiteConfig, WafConfig } from './config.ts';
import { buildEvent } from './event.ts';
import { createUpstream, type ForwardSink, forward, type Upstream } from './forward.ts';
import type { LocalDecisions } from './local-decisions.ts';
import { rawPage, sendPage } from './pages.ts';
import { BodyCapture, type SandboxLog } from './sandbox-log.ts';
import { type Category, createSignatureEngine, type SignatureEngine, type SignatureHit } from './signatures/index.ts';
import { emptyStats, type SiteStats } from './stats.ts';
import { type TunnelSink, tunnel } from './tunnel.ts';
import type { WafHooks } from './types.ts';

const INSPECTABLE =
  /^(?:application\/(?:x-www-form-urlencoded|[\w.+-]*json)|text\/|application\/(?:xml|[\w.+-]*\+xml)|multipart\/form-data)/i;

export interface SiteContext {
  cfg: WafConfig;
  hooks: WafHooks;
  local: LocalDecisions;
  sandboxLog: SandboxLog;
  deceiveMs: number;
  resolveIp(remote: string | undefined, xff: string | string[] | undefined): string;
  peerIp(remote: string | undefined): string;
}

export class Site {
  readonly stats: SiteStats;
  private readonly engine: SignatureEngine;
  private readonly real: Upstream;
  private readonly sandbox: Upstream;
  /** Client sockets of open upgrade tunnels: node's server no longer tracks them; close() ends them. */
  private readonly tunnels = new Set<Duplex>();

  constructor(
    readonly cfg: SiteConfig,
    private readonly ctx: SiteContext,
    private readonly html: string | undefined,
  ) {
    this.stats = emptyStats(cfg.name);
    this.engine = createSignatureEngine({ disable: cfg.signatures.disable });
    this.real = createUpstream(cfg.backend);
    this.sandbox = createUpstream(cfg.sandbox);
  }

  close(): void {
    this.closeTunnels();
    this.real.close();
    this.sandbox.close();
  }

  closeTunnels(): void {
    for (const s of this.tunnels) s.destroy();
    this.tunnels.clear();
  }

  handle(req: IncomingMessage, res: ServerResponse, tls: boolean): void {
    try {
      this.begin(req, res, tls);
    } catch (err) {
      this.fail(res, err);
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    this.ctx.hooks.log?.('waf request failed', { site: this.cfg.name, err: String(err) });
    if (!res.headersSent) sendPage(res, 502, true);
    else res.destroy();
  }

  /** The client's address and the server's decision type for it (null: none, or the lookup failed). */
  private lookup(req: IncomingMessage): { ip: string; serverType: string | null } {
    const ip = this.ctx.resolveIp(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    try {
      return { ip, serverType: this.ctx.hooks.decisions.typeFor(ip) };
    } catch (err) {
      this.ctx.hooks.log?.('decision lookup failed', { err: String(err) });
      return { ip, serverType: null };
    }
  }

  /** Decisions and size checks; buffers an inspectable body first when there is one. */
  private begin(req: IncomingMessage, res: ServerResponse, tls: boolean): void {
    const st = this.stats;
    const { cfg } = this.ctx;
    st.requests++;
    const { ip, serverType } = this.lookup(req);
    if (serverType === 'ban') {
      st.banned++;
      if (cfg.ban_action === 'drop') req.socket.destroy();
      else sendPage(res, 403, true);
      return;
    }

    const max = this.cfg.max_body_bytes;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      st.too_large++;
      sendPage(res, 413, true);
      return;
    }

    // Buffer an inspectable body (up to inspect_body_bytes) so signatures see it before we choose a backend.
    const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && cfg.inspect_body_bytes > 0 && INSPECTABLE.test(String(req.headers['content-type'] ?? ''))) {
      readPrefix(req, Math.min(cfg.inspect_body_bytes, max + 1)).then(
        (r) => {
          if (r.bytes > max) {
            st.too_large++;
            sendPage(res, 413, true);
            return;
          }
          this.decide(req, res, tls, ip, serverType, r.chunks, r.bytes, r.complete);
        },
        (err: unknown) => this.fail(res, err),
      );
      return;
    }
    this.decide(req, res, tls, ip, serverType, NO_CHUNKS, 0, !hasBody);
  }

  /**
   * Signatures and decisions → what to do with a request: the site's own answer (redirect | html)
   * or a backend, sandboxed with a reason (a decision, a local mark, this very attack). Counts the
   * attacks and, for action deceive, marks the source and reports it once.
   */
  private classify(
    req: IncomingMessage,
    ip: string,
    serverType: string | null,
    body: Buffer | undefined,
  ): { hits: SignatureHit[]; reason: string | null; answer: 'redirect' | 'html' | null } {
    const st = this.stats;
    const { cfg, hooks } = this.ctx;
    const hits = this.engine.inspect({ url: req.url ?? '/', headers: req.headers, body });
    if (hits.length > 0) for (const c of new Set<Category>(hits.map((h) => h.category))) st.attacks[c]++;

    let reason: string | null = null;
    if (serverType === 'deceive' || serverType === 'reflect') reason = 'decision';
    else if (this.ctx.local.has(ip)) reason = 'local';
    if (hits.length > 0 && reason === null) {
      if (this.cfg.action === 'redirect') {
        st.redirected++;
        return { hits, reason, answer: 'redirect' };
      }
      if (this.cfg.action === 'html') {
        st.html_served++;
        return { hits, reason, answer: 'html' };
      }
      reason = 'attack';
      if (this.ctx.local.mark(ip, this.ctx.deceiveMs)) {
        const first = hits[0] as SignatureHit;
        try {
          hooks.report({
            value: ip,
            type: 'deceive',
            reason: `waf ${this.cfg.name}: ${hits.map((h) => `${h.id}@${h.target}`).join(', ')}`.slice(0, 500),
            scenario: `kyoka/waf-${first.category}`,
            duration: cfg.deceive_duration,
          });
        } catch (err) {
          hooks.log?.('report failed', { err: String(err) });
        }
      }
    }
    if (reason !== null) st.sandboxed++;
    return { hits, reason, answer: null };
  }

  /** Signatures, then the site's action or a backend (real or sandbox). */
  private decide(
    req: IncomingMessage,
    res: ServerResponse,
    tls: boolean,
    ip: string,
    serverType: string | null,
    prefix: Buffer[],
    prefixBytes: number,
    complete: boolean,
  ): void {
    const { cfg } = this.ctx;
    const { hits, reason, answer } = this.classify(
      req,
      ip,
      serverType,
      prefix.length ? Buffer.concat(prefix) : undefined,
    );
    if (answer === 'redirect') {
      res.writeHead(302, {
        location: this.cfg.redirect_url as string,
        'content-length': 0,
        'cache-control': 'no-store',
      });
      res.end();
      this.emit(req, ip, hits, 'redirect', 302, false);
      req.resume();
      return;
    }
    if (answer === 'html') {
      const body = this.html ?? '';
      res.writeHead(this.cfg.html_status, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(body);
      this.emit(req, ip, hits, 'html', this.cfg.html_status, false);
      req.resume();
      return;
    }

    const sandboxed = reason !== null;
    const logCap = cfg.sandbox_log.max_body_bytes;
    const reqCapture = sandboxed ? new BodyCapture(logCap) : undefined;
    const resCapture = sandboxed ? new BodyCapture(logCap) : undefined;
    forward(req, res, {
      upstream: sandboxed ? this.sandbox : this.real,
      peer: this.ctx.peerIp(req.socket.remoteAddress),
      tls,
      prefix,
      prefixComplete: complete,
      prefixBytes,
      maxBodyBytes: this.cfg.max_body_bytes,
      timeoutMs: cfg.upstream_timeout_ms,
      identity: sandboxed,
      reqCapture,
      resCapture,
      sink: new Accounting(this, req, ip, hits, reason, reqCapture, resCapture),
    });
  }

  /**
   * A request asking for a protocol upgrade (WebSocket): the same bans, signatures and routing as
   * any request, then a byte tunnel to the chosen backend (./tunnel.ts). The site's own answers
   * and refusals are written raw: the socket has left node's HTTP handling.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, tls: boolean): void {
    const st = this.stats;
    socket.on('error', () => socket.destroy());
    try {
      st.requests++;
      st.upgrades++;
      const { ip, serverType } = this.lookup(req);
      if (serverType === 'ban') {
        st.banned++;
        if (this.ctx.cfg.ban_action === 'drop') socket.destroy();
        else socket.end(rawPage(403), () => socket.destroy());
        return;
      }
      const { hits, reason, answer } = this.classify(req, ip, serverType, undefined);
      if (answer !== null) {
        const status = answer === 'redirect' ? 302 : this.cfg.html_status;
        const body = answer === 'html' ? (this.html ?? '') : '';
        const where = answer === 'redirect' ? `location: ${this.cfg.redirect_url}\r\n` : '';
        socket.end(
          `HTTP/1.1 ${status} ${answer === 'redirect' ? 'Found' : 'Blocked'}\r\n${where}` +
            `content-type: text/html; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
            `cache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
          () => socket.destroy(),
        );
        this.emit(req, ip, hits, answer, status, false);
        return;
      }
      const sandboxed = reason !== null;
      this.tunnels.add(socket);
      socket.once('close', () => this.tunnels.delete(socket));
      tunnel(req, socket, head, {
        upstream: sandboxed ? this.sandbox : this.real,
        peer: this.ctx.peerIp(req.socket.remoteAddress),
        tls,
        timeoutMs: this.ctx.cfg.upstream_timeout_ms,
        sink: new Accounting(
          this,
          req,
          ip,
          hits,
          reason,
          sandboxed ? new BodyCapture(0) : undefined,
          sandboxed ? new BodyCapture(0) : undefined,
        ),
      });
    } catch (err) {
      this.ctx.hooks.log?.('waf upgrade failed', { site: this.cfg.name, err: String(err) });
      socket.destroy();
    }
  }

  /** Sandbox log record and event once a forwarded exchange is over (see Accounting). */
  finished(a: Accounting, status: number, resHeaders: IncomingHttpHeaders): void {
    const { req, ip, hits, reason } = a;
    if (reason !== null && a.reqCapture && a.resCapture) {
      this.ctx.sandboxLog.write({
        '@timestamp': new Date().toISOString(),
        site: this.cfg.name,
        reason,
        source: { ip, port: req.socket.remotePort },
        request: {
          method: req.method ?? '',
          url: req.url ?? '',
          http_version: req.httpVersion,
          headers: req.headers,
          ...a.reqCapture.encode(),
        },
        response: { status, headers: resHeaders, ...a.resCapture.encode() },
        rule_ids: hits.map((h) => h.id),
      });
    }
    const sandboxed = reason !== null;
    if (sandboxed || hits.length > 0) this.emit(req, ip, hits, sandboxed ? 'sandbox' : 'pass', status, sandboxed);
  }

  private emit(
    req: IncomingMessage,
    ip: string,
    hits: SignatureHit[],
    action: string,
    status: number,
    sandboxed: boolean,
  ) {
    try {
      this.ctx.hooks.emit(buildEvent({ site: this.cfg, req, ip, hits, action, status, sandboxed }));
    } catch (err) {
      this.ctx.hooks.log?.('emit failed', { err: String(err) });
    }
  }
}

const NO_CHUNKS: Buffer[] = [];

/**
 * Per-exchange accounting handed to forward() or, for an upgrade, tunnel() (a class instance
 * rather than per-request closures). A tunnel records the request and the backend's answer;
 * its frames are not captured.
 */
class Accounting implements ForwardSink, TunnelSink {
  constructor(
    private readonly site: Site,
    readonly req: IncomingMessage,
    readonly ip: string,
    readonly hits: SignatureHit[],
    readonly reason: string | null,
    readonly reqCapture: BodyCapture | undefined,
    readonly resCapture: BodyCapture | undefined,
  ) {}

  bytes(i: number, o: number): void {
    this.site.stats.bytes_in += i;
    this.site.stats.bytes_out += o;
  }

  upstreamError(): void {
    this.site.stats.upstream_errors++;
  }

  tooLarge(): void {
    this.site.stats.too_large++;
  }

  done(status: number, resHeaders: IncomingHttpHeaders): void {
    this.site.finished(this, status, resHeaders);
  }

  answered(status: number, resHeaders: IncomingHttpHeaders): void {
    this.done(status, resHeaders);
  }

  closed(inBytes: number, outBytes: number): void {
    this.bytes(inBytes, outBytes);
  }
}

/** Reads body chunks until `cap` bytes or the end of the body. */
function readPrefix(
  req: IncomingMessage,
  cap: number,
): Promise<{ chunks: Buffer[]; bytes: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      bytes += c.length;
      if (bytes >= cap) {
        cleanup();
        req.pause();
        resolve({ chunks, bytes, complete: false });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, bytes, complete: true });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
