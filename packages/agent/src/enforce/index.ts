/**
 * Kernel enforcement for `kyoka agent` (issue 5): keeps nftables (or iptables + ipset) rules in
 * step with the server's decisions for the protected ports, in seed 002's four modes.
 *
 * Forwarding: the agent sets net.ipv4.ip_forward=1 only when a sandbox is on another host or a
 * port is in reflect mode (net.ipv6.conf.all.forwarding=1 only for a remote IPv6 sandbox), and
 * restores the previous value on close(). DNATed flows are tagged with connmark bit 0x40000000,
 * masqueraded on the way out and accepted in a forward chain of our own (another base chain that
 * drops forwarded traffic still wins: open the path there yourself).
 */
export { mergeNets, type Net, parseNet, parseSandbox } from './addresses.ts';
export { createEnforcer } from './enforcer.ts';
export { createSpawnRunner } from './runner.ts';
export { enforceConfigSchema, validateEnforceConfig } from './schema.ts';
export type {
  ApplyResult,
  CommandResult,
  CommandRunner,
  EnforceConfig,
  Enforcer,
  EnforcerOptions,
  EnforcerStats,
  ProtectConfig,
  ProtectMode,
} from './types.ts';
