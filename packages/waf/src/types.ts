/** What the process running the WAF provides: the server's decisions, and sinks for decisions and events. */
import type { KyokaEvent } from '@kyoka/core';

export interface DecisionLookup {
  /** The live decision type for an address (the lead's implementation is fed by the server's push stream). */
  typeFor(ip: string): 'ban' | 'deceive' | 'reflect' | null;
}

export interface ReportedDecision {
  /** Canonical IP address. */
  value: string;
  type: 'deceive' | 'ban';
  reason: string;
  /** kyoka/waf-<category> of the first signature hit. */
  scenario: string;
  /** deceive_duration, e.g. '4h'. */
  duration: string;
}

export interface WafHooks {
  decisions: DecisionLookup;
  /** Shares a decision with the server (and so with every agent). Must not throw or block. */
  report(d: ReportedDecision): void;
  /** One ECS event per attack and per sandboxed request (event.dataset 'kyoka.waf'). */
  emit(event: KyokaEvent): void;
  log?: (msg: string, extra?: object) => void;
}
