/**
 * `kyoka waf` configuration: one TypeBox schema, validated once (defaults applied), then frozen.
 * Errors name the offending key. Cross-field rules the schema cannot express (redirect needs
 * redirect_url, html needs html_file, URLs must be http(s), CIDRs must parse) are checked here too.
 */
import { KyokaError, parseDuration } from '@kyoka/core';
import { type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import ipaddr from 'ipaddr.js';

const Tls = T.Object(
  { cert: T.String({ minLength: 1 }), key: T.String({ minLength: 1 }) },
  { additionalProperties: false },
);

export const SIGNATURE_CATEGORIES = ['sqli', 'xss', 'lfi', 'cmdi', 'scanner'] as const;

const Site = T.Object(
  {
    name: T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }),
    listen: T.Object(
      {
        host: T.String({ default: '127.0.0.1' }),
        port: T.Integer({ minimum: 0, maximum: 65535 }),
        tls: T.Optional(Tls),
      },
      { additionalProperties: false },
    ),
    /** Host names this site answers for (`*.example.com` allowed); needed when sites share a listener. */
    server_names: T.Optional(T.Array(T.String({ minLength: 1 }))),
    backend: T.String({ minLength: 1 }),
    sandbox: T.String({ minLength: 1 }),
    action: T.Union([T.Literal('deceive'), T.Literal('redirect'), T.Literal('html')], { default: 'deceive' }),
    redirect_url: T.Optional(T.String({ minLength: 1 })),
    html_file: T.Optional(T.String({ minLength: 1 })),
    /** Status of the operator's HTML page (action html). */
    html_status: T.Union([T.Literal(200), T.Literal(403)], { default: 403 }),
    signatures: T.Object(
      {
        /** Signature ids or whole categories (sqli, xss, lfi, cmdi, scanner) to switch off. */
        disable: T.Array(T.String(), { default: [] }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Largest request body forwarded; larger gets 413. */
    max_body_bytes: T.Integer({ minimum: 0, default: 10 * 1024 * 1024 }),
  },
  { additionalProperties: false },
);

export const wafConfigSchema = T.Object(
  {
    sites: T.Array(Site, { minItems: 1 }),
    sandbox_log: T.Object(
      {
        dir: T.String({ minLength: 1, default: './kyoka-data/waf' }),
        /** Bytes of each request/response body kept per record. */
        max_body_bytes: T.Integer({ minimum: 0, default: 64 * 1024 }),
        /** Rotate a site's log past this size. */
        max_file_bytes: T.Integer({ minimum: 4096, default: 64 * 1024 * 1024 }),
        /** Rotated files kept (site.ndjson.1 … .N). */
        max_files: T.Integer({ minimum: 1, maximum: 100, default: 5 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Proxy addresses/CIDRs whose X-Forwarded-For is believed. */
    trust_forwarded: T.Array(T.String(), { default: [] }),
    /** How long a local deceive decision lasts (also sent to the server). */
    deceive_duration: T.String({ minLength: 1, maxLength: 32, default: '4h' }),
    /** Ban decisions: answer a 403 page, or drop the connection. */
    ban_action: T.Union([T.Literal('page'), T.Literal('drop')], { default: 'page' }),
    /** Bytes of a urlencoded/JSON/text body buffered for inspection before forwarding. */
    inspect_body_bytes: T.Integer({ minimum: 0, default: 64 * 1024 }),
    /** Slow clients: time allowed to send the request headers. */
    headers_timeout_ms: T.Integer({ minimum: 100, default: 15_000 }),
    /** Time allowed for a backend to start answering. */
    upstream_timeout_ms: T.Integer({ minimum: 100, default: 60_000 }),
  },
  { additionalProperties: false },
);

export type WafConfig = Static<typeof wafConfigSchema>;
export type SiteConfig = WafConfig['sites'][number];

function bad(key: string, msg: string): KyokaError {
  return new KyokaError('KYOKA_E_BAD_CONFIG', `${key}: ${msg}`, { details: { key } });
}

function checkUrl(key: string, v: string, protocols: string[]): void {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad(key, `"${v}" is not a URL`);
  }
  if (!protocols.includes(u.protocol)) throw bad(key, `"${v}" must use ${protocols.join(' or ')}`);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Validates (defaults applied) and freezes a WAF config; throws KYOKA_E_BAD_CONFIG naming the key. */
export function validateWafConfig(raw: unknown): WafConfig {
  const value = Value.Default(wafConfigSchema, structuredClone(raw ?? {}));
  const first = Value.Errors(wafConfigSchema, value).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    throw bad(key, first.message);
  }
  const cfg = value as WafConfig;
  const names = new Set<string>();
  cfg.sites.forEach((s, i) => {
    const k = `sites.${i}`;
    if (names.has(s.name)) throw bad(`${k}.name`, `duplicate site name "${s.name}"`);
    names.add(s.name);
    checkUrl(`${k}.backend`, s.backend, ['http:', 'https:']);
    checkUrl(`${k}.sandbox`, s.sandbox, ['http:', 'https:']);
    if (s.action === 'redirect') {
      if (!s.redirect_url) throw bad(`${k}.redirect_url`, 'required when action is redirect');
      checkUrl(`${k}.redirect_url`, s.redirect_url, ['http:', 'https:']);
    }
    if (s.action === 'html' && !s.html_file) throw bad(`${k}.html_file`, 'required when action is html');
    for (const d of s.signatures.disable) {
      if (!/^[a-z0-9-]+$/.test(d)) throw bad(`${k}.signatures.disable`, `"${d}" is not a signature id or category`);
    }
  });
  cfg.trust_forwarded.forEach((c, i) => {
    try {
      if (c.includes('/')) ipaddr.parseCIDR(c);
      else ipaddr.parse(c);
    } catch {
      throw bad(`trust_forwarded.${i}`, `"${c}" is not an address or CIDR`);
    }
  });
  try {
    parseDuration(cfg.deceive_duration, 'deceive_duration');
  } catch (err) {
    throw bad('deceive_duration', (err as Error).message.replace(/^deceive_duration: /, ''));
  }
  return deepFreeze(cfg);
}
