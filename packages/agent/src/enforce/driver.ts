/**
 * What a kernel backend provides to the shared enforcer core (enforcer.ts): install its table or
 * chains, write one set diff atomically, and remove everything. nftables and iptables + ipset
 * implement it; both pass test/agent/enforce-conformance.ts.
 */
import type { Net } from './addresses.ts';
import type { PortPlan, SetName } from './plan.ts';
import type { SetContents, SetDiff } from './state.ts';
import type { CommandResult, CommandRunner } from './types.ts';

export interface DriverContext {
  table: string;
  plan: PortPlan[];
  allow4: Net[];
  allow6: Net[];
  run: CommandRunner;
  log: (msg: string, extra?: object) => void;
}

export interface Driver {
  readonly name: 'nftables' | 'iptables';
  /** Rules installed (for stats). */
  readonly rules: number;
  /** Removes leftovers of a crashed run, then creates sets and rules. */
  install(): Promise<void>;
  /** Writes one diff (reset: sets are flushed and refilled) as one transaction; throws on failure. */
  write(diffs: SetDiff[], reset: boolean, contents: (set: SetName) => SetContents, now: number): Promise<void>;
  /** Removes every table, chain, rule and set this driver added. */
  remove(): Promise<void>;
}

/** Throws a readable error for a failed command (stderr first line(s), no stdin echo). */
export function check(r: CommandResult, what: string): CommandResult {
  if (r.code !== 0)
    throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
  return r;
}
