/**
 * The backend-neutral rule plan: seed 002's four modes turned into "drop these decision types",
 * "send these (or everyone) to the sandbox", "reflect these" per protected port. The nftables and
 * iptables generators both render this plan, so the modes mean the same on either backend.
 */
import { DECISION_TYPES, type DecisionType } from '@kyoka/link';
import { parseSandbox, type Sandbox } from './addresses.ts';
import type { EnforceConfig, ProtectConfig } from './types.ts';

export { DECISION_TYPES };
export const FAMILIES = [4, 6] as const;
/** '' = host addresses (hash set), 'n' = networks (interval set). */
export const KINDS = ['', 'n'] as const;

/** ban4, ban4n, deceive6, … — one set per decision type, family and kind. */
export type SetName = `${DecisionType}${4 | 6}${'' | 'n'}`;
export const SET_NAMES: readonly SetName[] = DECISION_TYPES.flatMap((t) =>
  FAMILIES.flatMap((f) => KINDS.map((k) => `${t}${f}${k}` as SetName)),
);

/** Connmark bit that tags flows this agent DNATed (masquerade + forward accept match on it). */
export const CT_MARK = 0x40000000;

export type PortSpec =
  | { kind: 'one'; port: number }
  | { kind: 'range'; from: number; to: number }
  | { kind: 'all'; except: number[] };

export interface PortPlan {
  protocol: 'tcp' | 'udp';
  ports: PortSpec;
  /** Sources in these decision sets are dropped. */
  drop: DecisionType[];
  /** Sources sent to the sandbox: everyone (honeypot) or those with these decisions. */
  redirect?: { who: 'everyone' | DecisionType[]; to: Sandbox; masquerade: boolean };
  /** Sources sent back to themselves. */
  reflect?: DecisionType[];
}

export function portSpec(p: ProtectConfig): PortSpec {
  if (p.port === 'all') return { kind: 'all', except: [...new Set(p.except_ports ?? [])].sort((a, b) => a - b) };
  if (Array.isArray(p.port))
    return p.port[0] === p.port[1]
      ? { kind: 'one', port: p.port[0] }
      : { kind: 'range', from: p.port[0], to: p.port[1] };
  return { kind: 'one', port: p.port };
}

/**
 * Mode semantics. `ban` drops on every protected port. Deception and honeypot ports send
 * deceive and reflect decisions to the sandbox; reflect ports reflect both; firewall ports have
 * nowhere to send an attacker, so every decision type drops there.
 */
export function buildPlan(cfg: EnforceConfig): PortPlan[] {
  return cfg.protect.map((p) => {
    const base = { protocol: p.protocol, ports: portSpec(p) };
    const sandbox = p.sandbox ? (parseSandbox(p.sandbox) as Sandbox) : undefined;
    const masquerade = p.masquerade ?? true;
    switch (p.mode) {
      case 'honeypot':
        return { ...base, drop: ['ban'], redirect: { who: 'everyone', to: sandbox as Sandbox, masquerade } };
      case 'deception':
        return {
          ...base,
          drop: ['ban'],
          redirect: { who: ['deceive', 'reflect'], to: sandbox as Sandbox, masquerade },
        };
      case 'reflect':
        return { ...base, drop: ['ban'], reflect: ['reflect', 'deceive'] };
      default:
        return { ...base, drop: [...DECISION_TYPES] };
    }
  });
}

/** Sandbox addresses whose flows keep the attacker's source (no masquerade), deduplicated. */
export function unmasqueraded(plan: PortPlan[], family: 4 | 6): string[] {
  const out = new Set<string>();
  for (const p of plan)
    if (p.redirect && !p.redirect.masquerade && p.redirect.to.family === family) out.add(p.redirect.to.addr);
  return [...out];
}

/** Sandboxes the plan sends traffic to (for the forwarding decision). */
export function sandboxes(plan: PortPlan[]): Sandbox[] {
  return plan.flatMap((p) => (p.redirect ? [p.redirect.to] : []));
}
