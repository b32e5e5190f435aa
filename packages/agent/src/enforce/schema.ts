/**
 * Validation of the agent's `enforce` configuration: a TypeBox schema for shape, then the rules
 * the schema cannot say (sandbox required by mode, 'all' only in honeypot mode, addresses must
 * parse). Errors are KyokaError KYOKA_E_BAD_CONFIG and name the offending key.
 */
import { KyokaError } from '@kyoka/core';
import { type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseNet, parseSandbox } from './addresses.ts';
import type { EnforceConfig } from './types.ts';

const Port = T.Integer({ minimum: 1, maximum: 65535 });

export const protectSchema = T.Object(
  {
    port: T.Union([Port, T.Tuple([Port, Port]), T.Literal('all')]),
    protocol: T.Union([T.Literal('tcp'), T.Literal('udp')], { default: 'tcp' }),
    mode: T.Union([T.Literal('honeypot'), T.Literal('deception'), T.Literal('reflect'), T.Literal('firewall')]),
    sandbox: T.Optional(T.String({ minLength: 1 })),
    except_ports: T.Optional(T.Array(Port, { maxItems: 15 })),
    /**
     * Masquerade flows sent to the sandbox (default true: works whatever the sandbox's routing).
     * false keeps the attacker's address visible to the sandbox, whose logs then name the real
     * source; its replies must route back through this host (its default gateway).
     */
    masquerade: T.Optional(T.Boolean()),
  },
  { additionalProperties: false },
);

export const enforceConfigSchema = T.Object(
  {
    backend: T.Union([T.Literal('auto'), T.Literal('nftables'), T.Literal('iptables')], { default: 'auto' }),
    table: T.String({ pattern: '^[a-z][a-z0-9_]{0,15}$', default: 'kyoka' }),
    protect: T.Array(protectSchema, { minItems: 1 }),
    whitelist: T.Array(T.String(), { default: [] }),
    management: T.Array(T.String(), { default: [] }),
  },
  { additionalProperties: false },
);

export type EnforceConfigInput = Static<typeof enforceConfigSchema>;

function bad(key: string, message: string): KyokaError {
  return new KyokaError('KYOKA_E_BAD_CONFIG', `enforce.${key}: ${message}`, { details: { key: `enforce.${key}` } });
}

/** Validates once and returns a frozen config with defaults filled in. */
export function validateEnforceConfig(raw: unknown): EnforceConfig {
  const value = Value.Default(enforceConfigSchema, structuredClone(raw ?? {}));
  const first = Value.Errors(enforceConfigSchema, value).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    throw bad(key, first.message);
  }
  const cfg = value as EnforceConfigInput;
  for (const list of ['whitelist', 'management'] as const) {
    cfg[list].forEach((s, i) => {
      if (!parseNet(s)) throw bad(`${list}.${i}`, `"${s}" is not an IP address or CIDR`);
    });
  }
  cfg.protect.forEach((p, i) => {
    const key = `protect.${i}`;
    if (Array.isArray(p.port) && p.port[0] > p.port[1]) throw bad(`${key}.port`, 'range start is after its end');
    if (p.port === 'all' && p.mode !== 'honeypot') throw bad(`${key}.port`, "'all' is only allowed in honeypot mode");
    if (p.except_ports && p.mode !== 'honeypot') throw bad(`${key}.except_ports`, 'only allowed in honeypot mode');
    const needsSandbox = p.mode === 'honeypot' || p.mode === 'deception';
    if (needsSandbox && !p.sandbox) throw bad(`${key}.sandbox`, `required in ${p.mode} mode`);
    if (!needsSandbox && p.sandbox) throw bad(`${key}.sandbox`, `not used in ${p.mode} mode`);
    const sb = p.sandbox ? parseSandbox(p.sandbox) : null;
    if (p.sandbox && !sb) throw bad(`${key}.sandbox`, `"${p.sandbox}" is not ip, ip:port or [ip6]:port`);
    // DNAT from prerouting to loopback is dropped by the kernel (route_localnet); say so early.
    if (sb && (sb.addr.startsWith('127.') || sb.addr === '::1'))
      throw bad(
        `${key}.sandbox`,
        'loopback cannot receive redirected traffic: use a non-loopback address of this host',
      );
    // Redirecting every port needs a known admin path, or the operator locks themselves out.
    if (p.port === 'all' && cfg.management.length === 0)
      throw bad('management', "must list the admin source(s) when a honeypot protects 'all' ports");
  });
  return deepFreeze(cfg as EnforceConfig);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
