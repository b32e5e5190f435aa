/**
 * One protected site: decides per request between ban (403/drop), the real backend, the sandbox
 * clone, or the site's attack action (redirect | html | deceive), then forwards and accounts.
 * A local attack with action deceive marks the source at once (LocalDecisions), reports a deceive
 * decision to the server, and sends this very request to the sandbox too.
 * A request without an inspectable body is handled synchronously (no promise per request).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { SiteConfig, WafConfig } from './config.ts';
import { buildEvent } from './event.ts';
import { createUpstream, type ForwardSink, forward, type Upstream } from './forward.ts';
import type { LocalDecisions } from './local-decisions.ts';
import { sendPage } from './pages.ts';
import { BodyCapture, type SandboxLog } from './sandbox-log.ts';
import { type Category, createSignatureEngine, type SignatureEngine, type SignatureHit } from './signatures/index.ts';
import { emptyStats, type SiteStats } from './stats.ts';
import type { WafHooks } from './types.ts';

const INSPECTABLE =
  /^(?:application\/(?:x-www-form-urlencoded|[\w.+-]*json)|text\/|application\/(?:xml|[\w.+-]*\+xml))/i;

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
    this.real.close();
    this.sandbox.close();
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

  /** Decisions and size checks; buffers an inspectable body first when there is one. */
  private begin(req: IncomingMessage, res: ServerResponse, tls: boolean): void {
    const st = this.stats;
    const { cfg, hooks } = this.ctx;
    st.requests++;
    const ip = this.ctx.resolveIp(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    let serverType: string | null = null;
    try {
      serverType = hooks.decisions.typeFor(ip);
    } catch (err) {
      hooks.log?.('decision lookup failed', { err: String(err) });
    }
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
    const st = this.stats;
    const { cfg, hooks } = this.ctx;
    const hits = this.engine.inspect({
      url: req.url ?? '/',
      headers: req.headers,
      body: prefix.length ? Buffer.concat(prefix) : undefined,
    });
    if (hits.length > 0) for (const c of new Set<Category>(hits.map((h) => h.category))) st.attacks[c]++;

    let reason: string | null = null;
    if (serverType === 'deceive' || serverType === 'reflect') reason = 'decision';
    else if (this.ctx.local.has(ip)) reason = 'local';
    if (hits.length > 0 && reason === null) {
      if (this.cfg.action === 'redirect') {
        st.redirected++;
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
      if (this.cfg.action === 'html') {
        st.html_served++;
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

    const sandboxed = reason !== null;
    if (sandboxed) st.sandboxed++;
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

/** Per-request accounting handed to forward() (a class instance rather than per-request closures). */
class Accounting implements ForwardSink {
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
