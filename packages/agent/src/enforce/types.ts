/**
 * Public shapes of the agent's kernel enforcement: which ports are protected in which of seed 002's
 * four modes, the injectable command runner (so unit tests read the generated scripts), and the
 * Enforcer every backend (nftables, iptables + ipset) implements.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { DecisionBatch } from '@kyoka/link';

export type ProtectMode = 'honeypot' | 'deception' | 'reflect' | 'firewall';

export interface ProtectConfig {
  /** One port, an inclusive range, or 'all' (honeypot mode only). */
  port: number | [number, number] | 'all';
  protocol: 'tcp' | 'udp';
  mode: ProtectMode;
  /** 'ip:port', '[v6]:port' or a bare 'ip' (same port) — required for honeypot and deception. */
  sandbox?: string;
  /** Honeypot mode: ports never redirected (e.g. 22). */
  except_ports?: number[];
  /** Masquerade flows sent to the sandbox (default true); false shows the sandbox the attacker's address. */
  masquerade?: boolean;
}

export interface EnforceConfig {
  backend: 'auto' | 'nftables' | 'iptables';
  /** nft `table inet <table>`, iptables chains <TABLE>-*, ipsets <table>-*. Default 'kyoka'. */
  table?: string;
  protect: ProtectConfig[];
  /** IPs/CIDRs never redirected, dropped or reflected. */
  whitelist: string[];
  /** Server address(es) and admin sources: never touched either. */
  management: string[];
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts a long-lived program with pipes (same wrapper as the runner, never a shell). */
export type ProcessOpener = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => ChildProcessWithoutNullStreams;

/**
 * Runs one program with an argument array and optional stdin — never through a shell. `open`,
 * when present, starts a long-lived one (the nft session); runners without it (test fakes) get
 * one `nft -f -` per transaction.
 */
export type CommandRunner = ((cmd: string, args: string[], opts?: { input?: string }) => Promise<CommandResult>) & {
  open?: ProcessOpener;
  /**
   * The connection-tracking table of the namespace the commands run in (/proc/net/nf_conntrack),
   * or null when it cannot be read; lets the conntrack cutter find sources without a process.
   */
  readConntrack?: () => Promise<string | null>;
};

export interface ApplyResult {
  ok: boolean;
  /** Decisions refused (not an IP/CIDR, unknown type, bad expiry); never reach the kernel. */
  rejected: number;
  /** Live decisions per type after this apply (merged elements). */
  decisions: { ban: number; deceive: number; reflect: number };
  /** Addresses newly decided whose connections are being cut (best effort, asynchronous). */
  cut: number;
  durationMs: number;
  error?: string;
}

export interface EnforcerStats {
  backend: string;
  decisions: { ban: number; deceive: number; reflect: number };
  rules: number;
  applies: number;
  errors: number;
  rejected: number;
  lastApplyMs: number;
  conntrack: { cut: number; skipped: number; errors: number };
}

export interface Enforcer {
  readonly backend: 'nftables' | 'iptables';
  /** One atomic update: all or nothing. Calls are serialised. */
  apply(batch: DecisionBatch): Promise<ApplyResult>;
  stats(): EnforcerStats;
  /** Removes every table/chain/set/rule it added and restores sysctls it changed. */
  close(): Promise<void>;
}

export interface EnforcerOptions {
  log?: (msg: string, extra?: object) => void;
  runner?: CommandRunner;
  /** Clock, for tests. */
  now?: () => number;
}
