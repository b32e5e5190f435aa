/**
 * The ECS event for an attack or a sandboxed request: event.dataset 'kyoka.waf', url.*, http.*,
 * user_agent.original, source.ip, rule.id/category, and kyoka.waf.{site,action,sandboxed,targets}.
 * Values are data (JSON); consumers escape them where they render them.
 */
import type { IncomingMessage } from 'node:http';
import { type KyokaEvent, newId } from '@kyoka/core';
import type { SiteConfig } from './config.ts';
import type { SignatureHit } from './signatures/index.ts';

const MAX_FIELD = 4096;
const cut = (s: string) => (s.length > MAX_FIELD ? s.slice(0, MAX_FIELD) : s);

export interface EventInput {
  site: SiteConfig;
  req: IncomingMessage;
  ip: string;
  hits: SignatureHit[];
  /** sandbox | redirect | html | pass */
  action: string;
  status: number;
  sandboxed: boolean;
}

export function buildEvent(e: EventInput): KyokaEvent {
  const url = e.req.url ?? '/';
  const q = url.indexOf('?');
  const host = String(e.req.headers.host ?? '').replace(/:\d+$/, '');
  const attack = e.hits.length > 0;
  const categories = [...new Set(e.hits.map((h) => h.category))];
  const ua = e.req.headers['user-agent'];
  return {
    id: newId(),
    '@timestamp': new Date().toISOString(),
    event: {
      kind: attack ? 'alert' : 'event',
      category: attack ? ['web', 'intrusion_detection'] : ['web'],
      type: attack ? ['access', 'info'] : ['access'],
      action: attack ? `waf-attack-${e.action}` : 'waf-sandboxed',
      outcome: e.status > 0 && e.status < 400 ? 'success' : 'failure',
      severity: attack ? (categories.includes('scanner') && categories.length === 1 ? 3 : 6) : 2,
      dataset: 'kyoka.waf',
      module: 'waf',
    },
    observer: { type: 'waf', name: e.site.name },
    source: { ip: e.ip, port: e.req.socket.remotePort },
    destination: { port: e.req.socket.localPort },
    url: {
      original: cut(url),
      path: cut(q < 0 ? url : url.slice(0, q)),
      ...(q >= 0 ? { query: cut(url.slice(q + 1)) } : {}),
      ...(host ? { domain: cut(host) } : {}),
    },
    http: {
      version: e.req.httpVersion,
      request: { method: e.req.method, ...(e.req.headers.referer ? { referrer: cut(e.req.headers.referer) } : {}) },
      response: { status_code: e.status },
    },
    ...(ua ? { user_agent: { original: cut(ua) } } : {}),
    ...(attack ? { rule: { id: e.hits.map((h) => h.id), category: categories } } : {}),
    tags: e.sandboxed ? ['waf', 'sandboxed'] : ['waf'],
    kyoka: {
      waf: {
        site: e.site.name,
        action: e.action,
        sandboxed: e.sandboxed,
        targets: e.hits.map((h) => `${h.id}@${h.target}`),
      },
    },
  };
}
