/** @kyoka/waf: `kyoka waf`, a reverse proxy that moves attackers into a sandbox clone of the site. */
export { type SiteConfig, validateWafConfig, type WafConfig, wafConfigSchema } from './config.ts';
export * from './run.ts';
export type { SandboxRecord } from './sandbox-log.ts';
export { createSignatureEngine, SIGNATURES, type SignatureEngine, type SignatureHit } from './signatures/index.ts';
export type { SiteStats } from './stats.ts';
export type { DecisionLookup, ReportedDecision, WafHooks } from './types.ts';
export { createWaf, type Waf } from './waf.ts';
